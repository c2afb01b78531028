package carnot.engine.ops;

import carnot.engine.Tensor;

/**
 * The tangent of the logistic backward in one kernel pass: {@code out = tg y (1 - y) + g ty (1 - 2 y)} for inputs
 * {@code (tg, g, y, ty)} of one shape ({@link carnot.kernels.Backend#sigmoidBackwardTangent}). It is what
 * {@link SigmoidGrad#jvp} computes for a single direction, once per sigmoid layer in every Hessian-vector product;
 * decomposed it is eight kernels. {@link #decomposed} is its definition, the oracle of the tests. jvp and vjp are
 * written in tensor algebra (differentiable to any order): the partials are {@code y (1 - y)}, {@code ty (1 - 2 y)},
 * {@code tg (1 - 2 y) - 2 g ty} and {@code g (1 - 2 y)}.
 */
public record SigmoidGradTangent() implements Primitive {
    @Override
    public String name() {
        return "sigmoidGradTangent";
    }

    /** The definition: {@code tg ⊙ y ⊙ (1 - y) + g ⊙ ty ⊙ (1 - 2 y)}. */
    public static Tensor decomposed(Tensor tg, Tensor g, Tensor y, Tensor ty) {
        return tg.mul(y.mul(y.neg().add(1))).add(g.mul(ty).mul(y.mul(-2).add(1)));
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Shapes.sameShapes("sigmoidGradTangent", "tg, g, y, ty", in);
        Tensor out = Tensor.empty(in[0].backend(), in[0].dtype(), in[0].shape());
        in[0].backend().sigmoidBackwardTangent(in[0].buffer(), in[1].buffer(), in[2].buffer(), in[3].buffer(),
                out.buffer(), out.size());
        return out;
    }

    private static Tensor[] partials(Tensor[] in) {
        Tensor tg = in[0];
        Tensor g = in[1];
        Tensor y = in[2];
        Tensor ty = in[3];
        Tensor oneMinus2y = y.mul(-2).add(1);
        return new Tensor[]{y.mul(y.neg().add(1)), ty.mul(oneMinus2y), tg.mul(oneMinus2y).sub(g.mul(ty).mul(2)),
                g.mul(oneMinus2y)};
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
