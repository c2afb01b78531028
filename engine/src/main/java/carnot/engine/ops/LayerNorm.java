package carnot.engine.ops;

import carnot.engine.Tensor;

/**
 * {@code xhat = (x - mean) r} over the last axis (n entries), {@code r = (var + eps)^(-1/2)}, biased variance.
 * The Jacobian is symmetric: {@code J v = r (v - mean(v) - xhat mean(v xhat))}; jvp and vjp both apply it, with
 * r recomputed in Tensor algebra from x so that it differentiates again. The decomposed definition
 * {@link #decomposed} is the test oracle.
 */
public record LayerNorm(double eps) implements Primitive {
    @Override
    public String name() {
        return "layerNorm";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Rows.layerNorm(in[0], eps);
    }

    /** The same function from elementary ops: {@code c = x - mean(x)}, {@code c (mean(c^2) + eps)^(-1/2)}. */
    public static Tensor decomposed(Tensor x, double eps) {
        Tensor c = x.sub(x.sumKeep(-1).mul(1.0 / x.dim(-1)));
        return c.mul(rstdOf(c, eps));
    }

    private static Tensor rstdOf(Tensor centered, double eps) {
        return centered.square().sumKeep(-1).mul(1.0 / centered.dim(-1)).add(eps).pow(-0.5);
    }

    private Tensor jacobian(Tensor x, Tensor xhat, Tensor v) {
        double inv = 1.0 / x.dim(-1);
        Tensor r = rstdOf(x.sub(x.sumKeep(-1).mul(inv)), eps);
        Tensor mv = v.sumKeep(-1).mul(inv);
        Tensor mvx = v.mul(xhat).sumKeep(-1).mul(inv);
        return v.sub(mv).sub(xhat.mul(mvx)).mul(r);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return jacobian(in[0], out, t[0]);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{jacobian(in[0], out, g)};
    }
}
