package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Unary;

/** {@code out = 1 / (1 + exp(-x))} elementwise; {@code f'(x) = out (1 - out)}. */
public record Sigmoid() implements Pointwise {
    @Override
    public String name() {
        return "sigmoid";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Kernels.unary(Unary.SIGMOID, in[0]);
    }

    /** {@code out (1 - out)}. */
    @Override
    public Tensor derivative(Tensor x, Tensor out) {
        return out.mul(out.neg().add(1));
    }
}
