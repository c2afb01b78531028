package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Unary;

/** {@code out = exp(x)} elementwise; {@code f'(x) = out}. */
public record Exp() implements Pointwise {
    @Override
    public String name() {
        return "exp";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Kernels.unary(Unary.EXP, in[0]);
    }

    /** {@code out}. */
    @Override
    public Tensor derivative(Tensor x, Tensor out) {
        return out;
    }
}
