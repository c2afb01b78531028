package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Unary;

/**
 * {@code out = tanh(x)} elementwise; f'(x) = 1 - tanh(x)^2 = dtanh(x).
 * jvp: {@code t (1 - out^2)}; vjp: {@code g (1 - out^2)}, both by {@link TanhGrad} (differentiable again).
 */
public record Tanh() implements Primitive {
    @Override
    public String name() {
        return "tanh";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Kernels.unary(Unary.TANH, in[0]);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return Tensor.apply(new TanhGrad(), t[0], out);
    }

    /** {@code g (1 - out^2)} by {@link TanhGrad}: one fused pass, differentiable again. */
    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{Tensor.apply(new TanhGrad(), g, out)};
    }
}
