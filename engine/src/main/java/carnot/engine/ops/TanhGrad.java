package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Binary;

/**
 * Backward of tanh from its output: {@code out = g (1 - y^2)} with y = tanh(z) (g and y broadcast). It reuses
 * y and y's tangent, so forward-over-reverse costs two tangent products instead of recomputing tanh'(z):
 * The forward is one fused kernel pass ({@link Binary#TANH_BACKWARD}).
 * jvp {@code tg (1 - y^2) - 2 g y ty}; vjp {@code (sumTo(G (1 - y^2), g), sumTo(-2 G g y, y))}.
 */
public record TanhGrad() implements Primitive {
    @Override
    public String name() {
        return "tanhGrad";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor g = in[0];
        Tensor y = in[1];
        Shapes.sameDtype("tanhGrad", g, y);
        return Kernels.binary(Binary.TANH_BACKWARD, g, y);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        int r = out.rank();
        Tensor x = t[0] == null ? null : Tensor.apply(this, Shapes.align(t[0], r), in[1]);
        Tensor y = t[1] == null ? null : Shapes.align(t[1], r).mul(in[0].mul(in[1]).mul(-2));
        Tensor s = x == null ? y : y == null ? x : x.add(y);
        return Shapes.fit(s, Shapes.batch(t), out.shape());
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{need[0] ? Tensor.apply(this, g, in[1]).sumTo(in[0].shape()) : null,
                need[1] ? g.mul(in[0]).mul(in[1]).mul(-2).sumTo(in[1].shape()) : null};
    }
}
