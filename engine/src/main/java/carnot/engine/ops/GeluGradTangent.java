package carnot.engine.ops;

import carnot.engine.Tensor;

/**
 * The tangent of GELU's backward in one kernel pass: {@code out = tg gelu'(x) + g tx gelu''(x)} for inputs
 * {@code (tg, g, x, tx)} of one shape ({@link carnot.kernels.Backend#geluBackwardTangent}). It is what
 * {@link GeluGrad#jvp} computes for a single direction, once per GELU layer in every Hessian-vector product;
 * decomposed (with gelu' and gelu'' in tensor algebra) it is ~30 kernels. {@link #decomposed} is its definition,
 * the oracle of the tests. jvp and vjp are written in tensor algebra (differentiable to any order): the partials
 * are {@code gelu'(x)}, {@code tx gelu''(x)}, {@code tg gelu''(x) + g tx gelu'''(x)} and {@code g gelu''(x)}
 * ({@link Gelu#second}, {@link Gelu#third}).
 */
public record GeluGradTangent() implements Primitive {
    @Override
    public String name() {
        return "geluGradTangent";
    }

    /** The definition: {@code tg ⊙ gelu'(x) + g ⊙ tx ⊙ gelu''(x)}, gelu' and gelu'' in tensor algebra. */
    public static Tensor decomposed(Tensor tg, Tensor g, Tensor x, Tensor tx) {
        return tg.mul(new Gelu().derivative(x, null)).add(g.mul(tx).mul(Gelu.second(x)));
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Shapes.sameShapes("geluGradTangent", "tg, g, x, tx", in);
        Tensor out = Tensor.empty(in[0].backend(), in[0].dtype(), in[0].shape());
        in[0].backend().geluBackwardTangent(in[0].buffer(), in[1].buffer(), in[2].buffer(), in[3].buffer(),
                out.buffer(), out.size());
        return out;
    }

    private static Tensor[] partials(Tensor[] in) {
        Tensor tg = in[0];
        Tensor g = in[1];
        Tensor x = in[2];
        Tensor tx = in[3];
        Tensor second = Gelu.second(x);
        return new Tensor[]{new Gelu().derivative(x, null), tx.mul(second),
                tg.mul(second).add(g.mul(tx).mul(Gelu.third(x))), g.mul(second)};
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return Shapes.linear(partials(in), t, out);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        Tensor[] d = partials(in);
        Tensor[] r = new Tensor[4];
        for (int i = 0; i < 4; i++) {
            r[i] = need[i] ? g.mul(d[i]) : null;
        }
        return r;
    }
}
