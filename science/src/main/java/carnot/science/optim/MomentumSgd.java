package carnot.science.optim;

import carnot.engine.ParamVector;
import carnot.kernels.Binary;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * (Stochastic) gradient descent with optional heavy-ball or Nesterov momentum and coupled L2 weight decay, in
 * PyTorch's convention: {@code g' = g + λ w}; {@code v ← μ v + g'}; direction {@code d = v} (heavy ball) or
 * {@code d = g' + μ v} (Nesterov), {@code d = g'} when μ = 0; {@code w ← w − η m ⊙ d}. Each step is 1–5
 * elementwise kernels on the backend ({@link InPlace}).
 */
final class MomentumSgd implements Optimizer {
    private final String name;
    private final double mu;
    private final boolean nesterov;
    private final double wd;
    private final ParamVector lrMult;
    private final ParamVector v;
    private final ParamVector tmp;
    private long t;

    MomentumSgd(String name, ParamVector like, double mu, boolean nesterov, double wd, ParamVector lrMult) {
        this.name = name;
        this.mu = mu;
        this.nesterov = nesterov;
        this.wd = wd;
        this.lrMult = lrMult;
        this.v = mu == 0 ? null : ParamVector.zeros(like.backend(), like.dtype(), like.shapes());
        this.tmp = wd == 0 && lrMult == null && !nesterov ? null : ParamVector.zeros(like.backend(), like.dtype(), like.shapes());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void step(ParamVector w, ParamVector g, double lr) {
        ParamVector gi = g;
        if (wd != 0) {
            tmp.set(g);
            InPlace.axpy(wd, w, tmp);
            gi = tmp;
        }
        ParamVector d = gi;
        if (mu != 0) {
            InPlace.affine(v, v, mu, 0);
            InPlace.axpy(1, gi, v);
            if (nesterov) {
                if (gi != tmp) {
                    tmp.set(gi);
                }
                InPlace.axpy(mu, v, tmp);
                d = tmp;
            } else {
                d = v;
            }
        }
        if (lrMult != null) {
            InPlace.binary(Binary.MUL, d, lrMult, tmp);
            d = tmp;
        }
        InPlace.axpy(-lr, d, w);
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
            s.put("velocity", v.toDoubles());
        }
        return s;
    }

    @Override
    public void load(Map<String, double[]> s) {
        t = (long) Checks.get(s, "step", 1)[0];
        if (mu != 0) {
            Checks.load(s, "velocity", v);
        }
    }

    @Override
    public void close() {
        if (v != null) {
            v.close();
        }
        if (tmp != null) {
            tmp.close();
        }
    }
}
