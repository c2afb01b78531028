package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Unary;

/** {@code out = log(1 + exp(x))} elementwise; {@code f'(x) = sigmoid(x)}. */
public record Softplus() implements Pointwise {
    @Override
    public String name() {
        return "softplus";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Kernels.unary(Unary.SOFTPLUS, in[0]);
    }

    /** {@code sigmoid(x)}. */
    @Override
    public Tensor derivative(Tensor x, Tensor out) {
        return x.sigmoid();
    }
}
