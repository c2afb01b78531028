package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Binary;

/**
 * Backward of the logistic function from its output: {@code out = g y (1 - y)} with y = sigmoid(z) (g and y
 * broadcast), one fused kernel pass ({@link Binary#SIGMOID_BACKWARD}); both modes of {@link Sigmoid} multiply by
 * sigmoid' with it. jvp {@code tg y (1 - y) + g ty (1 - 2 y)}: one fused pass ({@link SigmoidGradTangent}) for a
 * single direction when g, y and the output have one shape, else in tensor algebra; vjp
 * {@code (sumTo(G y (1 - y), g), sumTo(G g (1 - 2 y), y))}. {@link #decomposed} is its definition, the oracle of
 * the tests.
 */
public record SigmoidGrad() implements Primitive {
    @Override
    public String name() {
        return "sigmoidGrad";
    }

    /** The definition: {@code g ⊙ (y ⊙ (1 - y))}, three kernels. */
    public static Tensor decomposed(Tensor g, Tensor y) {
        return g.mul(y.mul(y.neg().add(1)));
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Shapes.sameDtype("sigmoidGrad", in[0], in[1]);
        return Kernels.binary(Binary.SIGMOID_BACKWARD, in[0], in[1]);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        int r = out.rank();
        int[] o = out.shape();
        int[] one = Shapes.prepend(1, o);
        if (t[0] != null && t[1] != null && java.util.Arrays.equals(in[0].shape(), o)
                && java.util.Arrays.equals(in[1].shape(), o) && java.util.Arrays.equals(t[0].shape(), one)
                && java.util.Arrays.equals(t[1].shape(), one)) { // one direction, no broadcast: one kernel pass
            return Tensor.apply(new SigmoidGradTangent(), t[0], in[0].reshape(one), in[1].reshape(one), t[1]);
        }
        Tensor a = t[0] == null ? null : Tensor.apply(this, Shapes.align(t[0], r), in[1]);
        Tensor b = t[1] == null ? null : Shapes.align(t[1], r).mul(in[0].mul(in[1].mul(-2).add(1)));
        Tensor s = a == null ? b : b == null ? a : a.add(b);
        return Shapes.fit(s, Shapes.batch(t), out.shape());
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{need[0] ? Tensor.apply(this, g, in[1]).sumTo(in[0].shape()) : null,
                need[1] ? g.mul(in[0]).mul(in[1].mul(-2).add(1)).sumTo(in[1].shape()) : null};
    }
}
