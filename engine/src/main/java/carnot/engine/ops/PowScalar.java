package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Binary;
import carnot.kernels.Unary;

/**
 * {@code out = x^p} for a constant p (x &gt; 0 unless p is an integer). {@code f'(x) = p x^(p-1)}: {@code 2 x}
 * for p = 2, identically 1 for p = 1, identically 0 for p = 0.
 */
public record PowScalar(double p) implements Pointwise {
    @Override
    public String name() {
        return "pow";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor x = in[0];
        if (p == 2) {
            return Kernels.unary(Unary.SQUARE, x);
        } else if (p == 0.5) {
            return Kernels.unary(Unary.SQRT, x);
        } else if (p == -1) {
            return Kernels.unary(Unary.RECIP, x);
        } else if (p == -0.5) {
            return Kernels.unary(Unary.RSQRT, x);
        }
        try (Tensor e = Tensor.scalar(x.backend(), x.dtype(), p)) {
            return Kernels.binary(Binary.POW, x, e);
        }
    }

    /** {@code p x^(p-1)} ({@code 2 x} for p = 2); null (one) for p = 1. */
    @Override
    public Tensor derivative(Tensor x, Tensor out) {
        if (p == 1) {
            return null;
        }
        return p == 2 ? x.mul(2) : x.pow(p - 1).mul(p);
    }

    /** {@code a f'(x)}; null (zero) for p = 0. */
    @Override
    public Tensor times(Tensor a, Tensor x, Tensor out) {
        return p == 0 ? null : Pointwise.super.times(a, x, out);
    }
}
