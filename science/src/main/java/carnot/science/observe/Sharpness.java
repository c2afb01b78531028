package carnot.science.observe;

import carnot.engine.Tensor;
import carnot.science.train.Objective;
import carnot.science.train.Observable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sharpness λ_max = top eigenvalue of the full-batch Hessian, measured with a warm-started eigensolver (the
 * previous eigenvectors, kept on the backend, seed the next solve, so tracking is cheap), plus the top-k eigenvalues and the
 * edge-of-stability ratio η·λ_max/2 (GD is linearly stable on the top direction iff it is &lt; 1).
 * Columns: sharpness, eta_sharpness_over_2, hvps, and eig_1..eig_k when k &gt; 1.
 */
public final class Sharpness implements Observable {
    private final int every;
    private final int k;
    private Tensor warm;
    private double[][] restored;

    public Sharpness(int every, int k) {
        if (every < 1 || k < 1) {
            throw new IllegalArgumentException("sharpness needs every >= 1 and k >= 1; given " + every + ", " + k);
        }
        this.every = every;
        this.k = k;
    }

    @Override
    public String name() {
        return "sharpness";
    }

    @Override
    public int every() {
        return every;
    }

    @Override
    public List<String> columns() {
        List<String> c = new ArrayList<>(List.of("sharpness", "eta_sharpness_over_2", "hvps"));
        if (k > 1) {
            for (int i = 1; i <= k; i++) {
                c.add("eig_" + i);
            }
        }
        return c;
    }

    @Override
    public void measure(RunState s, Map<String, Object> record) {
        if (restored != null) {
            double[] flat = new double[restored.length * restored[0].length];
            for (int i = 0; i < restored.length; i++) {
                System.arraycopy(restored[i], 0, flat, i * restored[i].length, restored[i].length);
            }
            warm = Tensor.of(s.objective().backend(), s.objective().dtype(), flat, restored.length, restored[0].length);
            restored = null;
        }
        Objective.Eigen e = s.objective().topEigen(s.w(), k, warm);
        if (warm != null) {
            warm.close();
        }
        warm = e.vectors();
        record.put("sharpness", e.values()[0]);
        record.put("eta_sharpness_over_2", s.lr() * e.values()[0] / 2);
        record.put("hvps", e.hvps());
        if (k > 1) {
            for (int i = 0; i < k; i++) {
                record.put("eig_" + (i + 1), i < e.values().length ? e.values()[i] : Double.NaN);
            }
        }
    }

    @Override
    public Map<String, double[]> state() {
        Map<String, double[]> m = new LinkedHashMap<>();
        double[][] rows = restored;
        if (warm != null) {
            double[] all = warm.toDoubles();
            int p = warm.dim(1);
            rows = new double[warm.dim(0)][];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = java.util.Arrays.copyOfRange(all, i * p, (i + 1) * p);
            }
        }
        if (rows != null) {
            for (int i = 0; i < rows.length; i++) {
                m.put("warm" + i, rows[i].clone());
            }
        }
        return m;
    }

    @Override
    public void load(Map<String, double[]> state) {
        List<double[]> v = new ArrayList<>();
        for (int i = 0; state.containsKey("warm" + i); i++) {
            v.add(state.get("warm" + i).clone());
        }
        if (warm != null) {
            warm.close();
            warm = null;
        }
        restored = v.isEmpty() ? null : v.toArray(new double[0][]);
    }
}
