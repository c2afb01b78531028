package carnot.science.optim;

import carnot.engine.ParamVector;
import carnot.kernels.Binary;
import carnot.kernels.Unary;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam (Kingma and Ba 2015) with bias correction, and AdamW (Loshchilov and Hutter 2019) with decoupled decay, in
 * PyTorch's convention. At step t (1-based): AdamW first does {@code w ← w (1 − η m λ)}; Adam instead adds
 * {@code λ w} to g. Then {@code m ← β₁m + (1−β₁)g}, {@code v ← β₂v + (1−β₂)g²},
 * {@code w ← w − η m_i · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)}. About ten elementwise kernels per step on the
 * backend ({@link InPlace}); the moments live there.
 */
final class Adam implements Optimizer {
    private final String name;
    private final Optimizer.Hyper h;
    private final boolean decoupled;
    private final ParamVector lrMult;
    private final ParamVector m;
    private final ParamVector v;
    private final ParamVector gw;
    private final ParamVector tmp;
    private long t;

    Adam(String name, ParamVector like, Optimizer.Hyper h, boolean decoupled, ParamVector lrMult) {
        this.name = name;
        this.h = h;
        this.decoupled = decoupled;
        this.lrMult = lrMult;
        this.m = ParamVector.zeros(like.backend(), like.dtype(), like.shapes());
        this.v = ParamVector.zeros(like.backend(), like.dtype(), like.shapes());
        this.gw = ParamVector.zeros(like.backend(), like.dtype(), like.shapes());
        this.tmp = ParamVector.zeros(like.backend(), like.dtype(), like.shapes());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void step(ParamVector w, ParamVector g, double lr) {
        t++;
        double b1 = h.beta1();
        double b2 = h.beta2();
        double c1 = 1 - Math.pow(b1, t);
        double c2 = 1 - Math.pow(b2, t);
        double wd = h.weightDecay();
        ParamVector gi = g;
        if (wd != 0 && decoupled) {
            if (lrMult == null) {
                InPlace.affine(w, w, 1 - lr * wd, 0);
            } else {
                InPlace.affine(lrMult, tmp, -lr * wd, 1);
                InPlace.binary(Binary.MUL, w, tmp, w);
            }
        } else if (wd != 0) {
            gw.set(g);
            InPlace.axpy(wd, w, gw);
            gi = gw;
        }
        InPlace.affine(m, m, b1, 0);
        InPlace.axpy(1 - b1, gi, m);
        InPlace.unary(Unary.SQUARE, gi, tmp);
        InPlace.affine(v, v, b2, 0);
        InPlace.axpy(1 - b2, tmp, v);
        // tmp = (m / c1) / (sqrt(v / c2) + eps), times the multipliers
        InPlace.affine(v, tmp, 1 / c2, 0);
        InPlace.unary(Unary.SQRT, tmp, tmp);
        InPlace.affine(tmp, tmp, 1, h.eps());
        InPlace.affine(m, gw, 1 / c1, 0);
        InPlace.binary(Binary.DIV, gw, tmp, tmp);
        if (lrMult != null) {
            InPlace.binary(Binary.MUL, tmp, lrMult, tmp);
        }
        InPlace.axpy(-lr, tmp, w);
    }

    @Override
    public long steps() {
        return t;
    }

    @Override
    public Map<String, double[]> state() {
        Map<String, double[]> s = new LinkedHashMap<>();
        s.put("step", new double[] {t});
        s.put("exp_avg", m.toDoubles());
        s.put("exp_avg_sq", v.toDoubles());
        return s;
    }

    @Override
    public void load(Map<String, double[]> s) {
        t = (long) Checks.get(s, "step", 1)[0];
        Checks.load(s, "exp_avg", m);
        Checks.load(s, "exp_avg_sq", v);
    }

    @Override
    public void close() {
        m.close();
        v.close();
        gw.close();
        tmp.close();
    }
}
