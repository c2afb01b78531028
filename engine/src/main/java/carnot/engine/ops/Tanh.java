package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Unary;

/**
 * {@code out = tanh(x)} elementwise; f'(x) = 1 - tanh(x)^2 = dtanh(x).
 * jvp: {@code t * f'(x)}; vjp: {@code g * f'(x)}, with f' written in Tensor algebra (so it differentiates again).
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

    /** f'(x) given x and out = f(x). */
    static Tensor derivative(Tensor x, Tensor out) {
        return x.dtanh();
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return t[0].mul(derivative(in[0], out));
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{g.mul(derivative(in[0], out))};
    }
}
