package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Unary;

/**
 * GELU, tanh form: {@code out = 0.5 x (1 + tanh(u))}, {@code u = c (x + a x^3)}, {@code c = sqrt(2/pi)},
 * {@code a = 0.044715}. Derivative {@code f'(x) = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) c (1 + 3 a x^2)},
 * written in Tensor algebra.
 */
public record Gelu() implements Pointwise {
    static final double C = Math.sqrt(2 / Math.PI);
    static final double A = 0.044715;

    @Override
    public String name() {
        return "gelu";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Kernels.unary(Unary.GELU, in[0]);
    }

    /** {@code f'(x)} from x (out is not used). */
    @Override
    public Tensor derivative(Tensor x, Tensor out) {
        Tensor x2 = x.mul(x);
        Tensor u = x2.mul(A).add(1).mul(x).mul(C);
        Tensor th = u.tanh();
        Tensor left = th.add(1).mul(0.5);
        Tensor right = x.mul(u.dtanh()).mul(x2.mul(3 * A).add(1)).mul(0.5 * C);
        return left.add(right);
    }

    /**
     * {@code a ⊙ f'(x)}. When x is a plain value (no tangent, no graph: the first-order passes) and the backend
     * has the one-pass {@code Backend#geluDerivative}, f'(x) comes from it (bitwise equal to {@link #derivative}'s
     * fourteen kernel calls on that backend); otherwise from {@link #derivative}, which differentiates again.
     */
    @Override
    public Tensor times(Tensor a, Tensor x, Tensor out) {
        if (x.tangent() == null && !x.requiresGrad()) {
            Tensor d = Tensor.empty(x.backend(), x.dtype(), x.shape());
            if (x.backend().geluDerivative(x.buffer(), d.buffer(), x.size(), A, C)) {
                return a.mul(d);
            }
            d.close();
        }
        return Pointwise.super.times(a, x, out);
    }
}
