package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Binary;

/**
 * Backward of tanh from its output: {@code out = g (1 - y^2)} with y = tanh(z) (g and y broadcast). It reuses
 * y and y's tangent, so forward-over-reverse costs two tangent products instead of recomputing tanh'(z):
 * The forward is one fused kernel pass ({@link Binary#TANH_BACKWARD}).
 * jvp {@code tg (1 - y^2) - 2 g y ty}, one fused kernel pass ({@link TanhGradTangent}) for a single direction when g,
 * y and the output have one shape, else decomposed; vjp {@code (sumTo(G (1 - y^2), g), sumTo(-2 G g y, y))}.
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
        if (t[0] != null && t[1] != null && fusable(in, out, t)) { // one direction, no broadcast: one kernel pass
            int[] s = t[0].shape();
            return Tensor.apply(new TanhGradTangent(), t[0], in[0].reshape(s), in[1].reshape(s), t[1]);
        }
        Tensor x = t[0] == null ? null : Tensor.apply(this, Shapes.align(t[0], r), in[1]);
        Tensor y = t[1] == null ? null : Shapes.align(t[1], r).mul(in[0].mul(in[1]).mul(-2));
        Tensor s = x == null ? y : y == null ? x : x.add(y);
        return Shapes.fit(s, Shapes.batch(t), out.shape());
    }

    /** Whether g, y and the output have one shape and both tangents are that shape with one direction. */
    private static boolean fusable(Tensor[] in, Tensor out, Tensor[] t) {
        int[] o = out.shape();
        int[] want = Shapes.prepend(1, o);
        return java.util.Arrays.equals(in[0].shape(), o) && java.util.Arrays.equals(in[1].shape(), o)
                && java.util.Arrays.equals(t[0].shape(), want) && java.util.Arrays.equals(t[1].shape(), want);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{need[0] ? Tensor.apply(this, g, in[1]).sumTo(in[0].shape()) : null,
                need[1] ? g.mul(in[0]).mul(in[1]).mul(-2).sumTo(in[1].shape()) : null};
    }
}
