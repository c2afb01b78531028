package carnot.engine.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam (Kingma and Ba 2015) with bias correction, and AdamW (Loshchilov and Hutter 2019) with decoupled decay, in
 * PyTorch's convention. At step t (1-based): AdamW first does {@code w ← w (1 − η m λ)}; Adam instead adds
 * {@code λ w} to g. Then {@code m ← β₁m + (1−β₁)g}, {@code v ← β₂v + (1−β₂)g²},
 * {@code w ← w − η m_i · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)}.
 */
final class Adam implements Optimizer {
    private final String name;
    private final Optimizer.Hyper h;
    private final boolean decoupled;
    private final double[] lrMult;
    private final double[] m;
    private final double[] v;
    private long t;

    Adam(String name, int n, Optimizer.Hyper h, boolean decoupled, double[] lrMult) {
        this.name = name;
        this.h = h;
        this.decoupled = decoupled;
        this.lrMult = lrMult;
        this.m = new double[n];
        this.v = new double[n];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void step(double[] w, double[] g, double lr) {
        Checks.sameLength(w, g, lrMult);
        t++;
        double b1 = h.beta1();
        double b2 = h.beta2();
        double c1 = 1 - Math.pow(b1, t);
        double c2 = 1 - Math.pow(b2, t);
        double wd = h.weightDecay();
        for (int i = 0; i < w.length; i++) {
            double rate = lr * (lrMult == null ? 1 : lrMult[i]);
            double gi = g[i];
            if (decoupled) {
                w[i] *= 1 - rate * wd;
            } else {
                gi += wd * w[i];
            }
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            w[i] -= rate * (m[i] / c1) / (Math.sqrt(v[i] / c2) + h.eps());
        }
    }

    @Override
    public long steps() {
        return t;
    }

    @Override
    public Map<String, double[]> state() {
        Map<String, double[]> s = new LinkedHashMap<>();
        s.put("step", new double[] {t});
        s.put("exp_avg", m.clone());
        s.put("exp_avg_sq", v.clone());
        return s;
    }

    @Override
    public void load(Map<String, double[]> s) {
        t = (long) Checks.get(s, "step", 1)[0];
        System.arraycopy(Checks.get(s, "exp_avg", m.length), 0, m, 0, m.length);
        System.arraycopy(Checks.get(s, "exp_avg_sq", v.length), 0, v, 0, v.length);
    }
}
