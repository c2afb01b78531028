package carnot.engine.ops;

import carnot.engine.Tensor;

/** {@code out = alpha x + beta} for constants alpha, beta; {@code f'(x) = alpha}, applied as a scalar product. */
public record Affine(double alpha, double beta) implements Pointwise {
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

    /** The constant {@code alpha}, shaped like x; null (one) for alpha = 1. */
    @Override
    public Tensor derivative(Tensor x, Tensor out) {
        return alpha == 1 ? null : Tensor.full(x.backend(), x.dtype(), alpha, x.shape());
    }

    /** {@code alpha a} as one affine pass (no tensor of alphas). */
    @Override
    public Tensor times(Tensor a, Tensor x, Tensor out) {
        return alpha == 1 ? a : a.mul(alpha);
    }
}
