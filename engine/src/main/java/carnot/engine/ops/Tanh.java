package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Unary;

/**
 * {@code out = tanh(x)} elementwise; {@code f'(x) = 1 - tanh(x)^2 = 1 - out^2}. Both modes multiply by it with the
 * fused {@link TanhGrad} ({@code a (1 - out^2)} in one pass, differentiable again).
 */
public record Tanh() implements Pointwise {
    @Override
    public String name() {
        return "tanh";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Kernels.unary(Unary.TANH, in[0]);
    }

    /** {@code 1 - out^2}. */
    @Override
    public Tensor derivative(Tensor x, Tensor out) {
        return out.square().neg().add(1);
    }

    /** {@code a (1 - out^2)} by {@link TanhGrad}: one fused pass. */
    @Override
    public Tensor times(Tensor a, Tensor x, Tensor out) {
        return Tensor.apply(new TanhGrad(), a, out);
    }
}
