package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Unary;

/** {@code out = max(x, 0)} elementwise; {@code f'(x) = [x > 0]} (0 at x = 0). */
public record Relu() implements Pointwise {
    @Override
    public String name() {
        return "relu";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Kernels.unary(Unary.RELU, in[0]);
    }

    /** The mask {@code x > 0}. */
    @Override
    public Tensor derivative(Tensor x, Tensor out) {
        return x.gt(Tensor.scalar(x.backend(), x.dtype(), 0));
    }
}
