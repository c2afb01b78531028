package carnot.engine.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * (Stochastic) gradient descent with optional heavy-ball or Nesterov momentum and coupled L2 weight decay, in
 * PyTorch's convention: {@code g' = g + λ w}; {@code v ← μ v + g'}; direction {@code d = v} (heavy ball) or
 * {@code d = g' + μ v} (Nesterov), {@code d = g'} when μ = 0; {@code w ← w − η m ⊙ d}.
 */
final class MomentumSgd implements Optimizer {
    private final String name;
    private final double mu;
    private final boolean nesterov;
    private final double wd;
    private final double[] lrMult;
    private final double[] v;
    private long t;

    MomentumSgd(String name, int n, double mu, boolean nesterov, double wd, double[] lrMult) {
        this.name = name;
        this.mu = mu;
        this.nesterov = nesterov;
        this.wd = wd;
        this.lrMult = lrMult;
        this.v = mu == 0 ? new double[0] : new double[n];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void step(double[] w, double[] g, double lr) {
        Checks.sameLength(w, g, lrMult);
        for (int i = 0; i < w.length; i++) {
            double gi = g[i] + wd * w[i];
            double d = gi;
            if (mu != 0) {
                v[i] = mu * v[i] + gi;
                d = nesterov ? gi + mu * v[i] : v[i];
            }
            w[i] -= lr * (lrMult == null ? 1 : lrMult[i]) * d;
        }
        t++;
    }

    @Override
    public long steps() {
        return t;
    }

    @Override
    public Map<String, double[]> state() {
        Map<String, double[]> s = new LinkedHashMap<>();
        s.put("step", new double[] {t});
        if (mu != 0) {
            s.put("velocity", v.clone());
        }
        return s;
    }

    @Override
    public void load(Map<String, double[]> s) {
        t = (long) Checks.get(s, "step", 1)[0];
        if (mu != 0) {
            System.arraycopy(Checks.get(s, "velocity", v.length), 0, v, 0, v.length);
        }
    }
}
