package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Binary;

/**
 * GELU's (co)tangent product from its input: {@code out = g gelu'(x)} (tanh form, g and x broadcast), one fused
 * kernel pass ({@link Binary#GELU_BACKWARD}) instead of the fourteen kernels of {@link Gelu#derivative} and a product.
 * Both modes of {@link Gelu} multiply by gelu' with it. jvp {@code tg gelu'(x) + g tx gelu''(x)}: one fused pass
 * ({@link GeluGradTangent}) for a single direction when g, x and the output have one shape (the HVP's backward of
 * every GELU layer), else in tensor algebra; vjp {@code (sumTo(G gelu'(x), g), sumTo(G g gelu''(x), x))}, with
 * gelu'' as {@link Gelu#second}. {@link #decomposed} is its definition, the oracle of the tests.
 */
public record GeluGrad() implements Primitive {
    @Override
    public String name() {
        return "geluGrad";
    }

    /** The definition: {@code g ⊙ gelu'(x)} with gelu' from {@link Gelu#derivative} (fourteen kernels and a product). */
    public static Tensor decomposed(Tensor g, Tensor x) {
        return g.mul(new Gelu().derivative(x, null));
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Shapes.sameDtype("geluGrad", in[0], in[1]);
        return Kernels.binary(Binary.GELU_BACKWARD, in[0], in[1]);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        int r = out.rank();
        if (t[0] != null && t[1] != null && fusable(in, out, t)) { // one direction, no broadcast: one kernel pass
            int[] s = t[0].shape();
            return Tensor.apply(new GeluGradTangent(), t[0], in[0].reshape(s), in[1].reshape(s), t[1]);
        }
        Tensor a = t[0] == null ? null : Tensor.apply(this, Shapes.align(t[0], r), in[1]);
        Tensor b = t[1] == null ? null : Shapes.align(t[1], r).mul(in[0].mul(Gelu.second(in[1])));
        Tensor s = a == null ? b : b == null ? a : a.add(b);
        return Shapes.fit(s, Shapes.batch(t), out.shape());
    }

    /** Whether g, x and the output have one shape and both tangents are that shape with one direction. */
    private static boolean fusable(Tensor[] in, Tensor out, Tensor[] t) {
        int[] o = out.shape();
        int[] want = Shapes.prepend(1, o);
        return java.util.Arrays.equals(in[0].shape(), o) && java.util.Arrays.equals(in[1].shape(), o)
                && java.util.Arrays.equals(t[0].shape(), want) && java.util.Arrays.equals(t[1].shape(), want);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{need[0] ? Tensor.apply(this, g, in[1]).sumTo(in[0].shape()) : null,
                need[1] ? g.mul(in[0]).mul(Gelu.second(in[1])).sumTo(in[1].shape()) : null};
    }
}
