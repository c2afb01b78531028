package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Unary;

/**
 * {@code out = 1 / (1 + exp(-x))} elementwise; {@code f'(x) = out (1 - out)}. Both modes multiply by it with the
 * fused {@link SigmoidGrad} ({@code a out (1 - out)} in one pass, its tangent in one more).
 */
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

    /** {@code a out (1 - out)} by {@link SigmoidGrad}: one fused pass. */
    @Override
    public Tensor times(Tensor a, Tensor x, Tensor out) {
        return Tensor.apply(new SigmoidGrad(), a, out);
    }
}
