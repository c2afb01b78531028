package carnot.engine.ops;

import carnot.engine.Tensor;

/**
 * The tangent of tanh's backward in one kernel pass: {@code out = tg (1 - y^2) - 2 g y ty} for inputs
 * {@code (tg, g, y, ty)} of one shape ({@link carnot.kernels.Backend#tanhBackwardTangent}). It is what
 * {@link TanhGrad#jvp} computes for a single direction; decomposed it is five kernels (tanhGrad, two products, a
 * scale, an add), and it runs once per tanh layer in every Hessian-vector product. {@link #decomposed} is its
 * definition, the oracle of the tests. jvp and vjp are written in tensor algebra (differentiable to any order):
 * the partials are {@code 1 - y^2}, {@code -2 y ty}, {@code -2 (y tg + g ty)} and {@code -2 g y}.
 */
public record TanhGradTangent() implements Primitive {
    @Override
    public String name() {
        return "tanhGradTangent";
    }

    /** The definition: {@code tanhGrad(tg, y) + ty (-2 g y)}, five kernels. */
    public static Tensor decomposed(Tensor tg, Tensor g, Tensor y, Tensor ty) {
        return Tensor.apply(new TanhGrad(), tg, y).add(ty.mul(g.mul(y).mul(-2)));
    }

    @Override
    public Tensor forward(Tensor[] in) {
        for (int i = 1; i < 4; i++) {
            Shapes.sameDtype("tanhGradTangent", in[0], in[i]);
            if (!java.util.Arrays.equals(in[0].shape(), in[i].shape())) {
                throw new IllegalArgumentException("tanhGradTangent: tg, g, y, ty must have one shape; given "
                        + java.util.Arrays.toString(in[0].shape()) + " and " + java.util.Arrays.toString(in[i].shape()));
            }
        }
        Tensor out = Tensor.empty(in[0].backend(), in[0].dtype(), in[0].shape());
        in[0].backend().tanhBackwardTangent(in[0].buffer(), in[1].buffer(), in[2].buffer(), in[3].buffer(),
                out.buffer(), out.size());
        return out;
    }

    private static Tensor[] partials(Tensor[] in) {
        Tensor tg = in[0];
        Tensor g = in[1];
        Tensor y = in[2];
        Tensor ty = in[3];
        return new Tensor[]{y.mul(y).neg().add(1), y.mul(ty).mul(-2), y.mul(tg).add(g.mul(ty)).mul(-2),
                g.mul(y).mul(-2)};
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        Tensor[] d = partials(in);
        Tensor s = null;
        for (int i = 0; i < 4; i++) {
            if (t[i] != null) {
                Tensor term = t[i].mul(d[i]);
                s = s == null ? term : s.add(term);
            }
        }
        return s == null ? null : Shapes.fit(s, Shapes.batch(t), out.shape());
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
