package carnot.science.optim;

import carnot.engine.ParamVector;
import carnot.kernels.Backend;
import carnot.kernels.Binary;
import carnot.kernels.Broadcast;
import carnot.kernels.Unary;

/**
 * Elementwise in-place kernels on the flat buffers of parameter vectors of one layout (the optimizers' arithmetic:
 * every call is one backend kernel over P elements; nothing leaves the backend).
 */
final class InPlace {
    private InPlace() {
    }

    /** {@code out ← a·x + b}. */
    static void affine(ParamVector x, ParamVector out, double a, double b) {
        be(x, out).affine(x.flatten().buffer(), out.flatten().buffer(), x.dim(), a, b);
    }

    /** {@code y ← y + alpha·x}. */
    static void axpy(double alpha, ParamVector x, ParamVector y) {
        be(x, y).axpy(x.dim(), alpha, x.flatten().buffer(), y.flatten().buffer());
    }

    /** {@code out ← op(x)}. */
    static void unary(Unary op, ParamVector x, ParamVector out) {
        be(x, out).unary(op, x.flatten().buffer(), out.flatten().buffer(), x.dim());
    }

    /** {@code out ← a op b} (same length, no broadcasting). */
    static void binary(Binary op, ParamVector a, ParamVector b, ParamVector out) {
        int[] shape = {Math.toIntExact(a.dim())};
        be(a, b);
        be(a, out).binary(op, a.flatten().buffer(), b.flatten().buffer(), out.flatten().buffer(), Broadcast.of(shape, shape));
    }

    private static Backend be(ParamVector a, ParamVector b) {
        if (a.dim() != b.dim() || a.dtype() != b.dtype() || a.backend() != b.backend()) {
            throw new IllegalArgumentException("optimizer step needs weights, gradient, state (and lr multipliers) of one "
                    + "layout: " + a.dtype() + "[" + a.dim() + "] on " + a.backend().name() + " vs " + b.dtype() + "["
                    + b.dim() + "] on " + b.backend().name());
        }
        return a.backend();
    }
}
