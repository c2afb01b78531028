package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Unary;

/** {@code out = 1 - tanh(x)^2} elementwise (the derivative of tanh); {@code f'(x) = -2 tanh(x) out}. */
public record DTanh() implements Pointwise {
    @Override
    public String name() {
        return "dtanh";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Kernels.unary(Unary.D_TANH, in[0]);
    }

    /** {@code -2 tanh(x) out}. */
    @Override
    public Tensor derivative(Tensor x, Tensor out) {
        return x.tanh().mul(out).mul(-2);
    }
}
