package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Buffer;

/**
 * {@code xhat = (x - mean) r} over the last axis (n entries), {@code r = (var + eps)^(-1/2)}, biased variance.
 * The Jacobian is symmetric: {@code J v = r (v - mean(v) - xhat mean(v xhat))}; jvp and vjp both apply it
 * ({@link #jacobian}), with r recomputed in Tensor algebra from x so that it differentiates again. A first-order
 * vjp (x, xhat and the cotangent all plain values: no tangent, no graph) instead runs one
 * {@code Backend#layerNormBackward} pass on the mean and r this primitive's forward kept (so an instance is applied
 * once, its equality is identity; without them, one row pass recomputes them first); its result is not
 * differentiated, and it rounds differently from {@link #jacobian}. The decomposed definition {@link #decomposed}
 * is the test oracle.
 */
public final class LayerNorm implements Primitive {
    private final double eps;
    /** mean and r of the rows of the x the forward saw (its buffer: {@link #keptFor}), or null. */
    private Tensor[] kept;
    private Buffer keptFor;

    public LayerNorm(double eps) {
        this.eps = eps;
    }

    public double eps() {
        return eps;
    }

    @Override
    public String name() {
        return "layerNorm";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor[] stats = new Tensor[2];
        Tensor out = Rows.layerNorm(in[0], eps, stats);
        kept = stats;
        keptFor = in[0].buffer();
        return out;
    }

    /** The same function from elementary ops: {@code c = x - mean(x)}, {@code c (mean(c^2) + eps)^(-1/2)}. */
    public static Tensor decomposed(Tensor x, double eps) {
        Tensor c = x.sub(x.sumKeep(-1).mul(1.0 / x.dim(-1)));
        return c.mul(rstdOf(c, eps));
    }

    private static Tensor rstdOf(Tensor centered, double eps) {
        return centered.square().sumKeep(-1).mul(1.0 / centered.dim(-1)).add(eps).pow(-0.5);
    }

    /**
     * {@code J v = r (v - mean(v) - xhat mean(v xhat))} at x (with {@code xhat} the forward's output) in Tensor
     * algebra, differentiable to any order: the jvp, the vjp of every pass but a first-order one, and the oracle
     * of the first-order kernel path.
     */
    public static Tensor jacobian(Tensor x, Tensor xhat, Tensor v, double eps) {
        double inv = 1.0 / x.dim(-1);
        Tensor r = rstdOf(x.sub(x.sumKeep(-1).mul(inv)), eps);
        Tensor mv = v.sumKeep(-1).mul(inv);
        Tensor mvx = v.mul(xhat).sumKeep(-1).mul(inv);
        return v.sub(mv).sub(xhat.mul(mvx)).mul(r);
    }

    private static boolean plain(Tensor t) {
        return t.tangent() == null && !t.requiresGrad();
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return jacobian(in[0], out, t[0], eps);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        Tensor x = in[0];
        if (plain(x) && plain(out) && plain(g)) {
            Tensor[] stats = kept != null && x.buffer() == keptFor ? kept : null;
            return new Tensor[]{Rows.layerNormBackward(x, g, eps, stats)};
        }
        return new Tensor[]{jacobian(x, out, g, eps)};
    }

    /** The mean and r its forward kept (read by the first-order vjp), once applied. */
    @Override
    public Tensor[] held() {
        return kept == null ? new Tensor[0] : kept.clone();
    }

    @Override
    public String toString() {
        return "LayerNorm(eps " + eps + ")";
    }
}
