package carnot.engine.ops;

import carnot.engine.Tensor;

/** {@code out = alpha x + beta} for constants alpha, beta. jvp: {@code alpha t}; vjp: {@code alpha g}. */
public record Affine(double alpha, double beta) implements Primitive {
    @Override
    public String name() {
        return "affine";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor x = in[0];
        Shapes.floating("affine", x);
        Tensor out = Tensor.empty(x.backend(), x.dtype(), x.shape());
        x.backend().affine(x.buffer(), out.buffer(), x.size(), alpha, beta);
        return out;
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return alpha == 1 ? t[0] : t[0].mul(alpha);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{alpha == 1 ? g : g.mul(alpha)};
    }
}
