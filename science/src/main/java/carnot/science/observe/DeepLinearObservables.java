package carnot.science.observe;

import carnot.science.train.Observable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * For deep linear (and homogeneous) networks: the top singular values of the end-to-end product
 * {@code W_L ⋯ W_1} (columns sv_1..sv_k) and the conservation residuals {@code ‖D_l(t) − D_l(0)‖_F} of
 * {@code D_l = W_{l+1}ᵀW_{l+1} − W_l W_lᵀ} (columns cons_1..cons_{L−1}); uses the rank-2 parameters in order.
 * Under a parameterization the singular values are those of the map the network computes, {@link EndToEnd#map}
 * (forward multipliers, output multiplier α, centering), and D_l is taken of {@link EndToEnd#balanceScaled}
 * weights {@code W_l/√η_l} (per-layer learning-rate multipliers η_l), the quantity gradient flow conserves.
 */
public final class DeepLinearObservables implements Observable {
    private final int every;
    private final int k;
    private final List<int[]> shapes;
    private final int layers;
    private final double[] multipliers;
    private final double alpha;
    private final boolean centered;
    private final double[] lrMultipliers;

    /** Plain weights: multipliers 1, α = 1, not centered, one learning rate. */
    public DeepLinearObservables(int every, int k, List<int[]> shapes) {
        this(every, k, shapes, null, 1, false, null);
    }

    /**
     * With the parameterization: {@code multipliers[l]} and {@code lrMultipliers[l]} are the forward and
     * learning-rate multipliers of the l-th rank-2 parameter (null: all 1), {@code alpha} the output multiplier,
     * {@code centered} when the trained function is {@code α (f(w) − f(w0))}.
     */
    public DeepLinearObservables(int every, int k, List<int[]> shapes, double[] multipliers, double alpha,
                                 boolean centered, double[] lrMultipliers) {
        if (every < 1 || k < 1) {
            throw new IllegalArgumentException("deep-linear observables need every >= 1 and k >= 1; given " + every + ", " + k);
        }
        this.every = every;
        this.k = k;
        this.shapes = List.copyOf(shapes);
        this.layers = (int) shapes.stream().filter(s -> s.length == 2).count();
        if (layers < 1) {
            throw new IllegalArgumentException("deep-linear observables need at least one weight matrix; the model has none");
        }
        this.multipliers = multipliers == null ? ones(layers) : multipliers.clone();
        this.lrMultipliers = lrMultipliers == null ? ones(layers) : lrMultipliers.clone();
        if (this.multipliers.length != layers || this.lrMultipliers.length != layers) {
            throw new IllegalArgumentException("deep-linear observables need one forward and one learning-rate"
                    + " multiplier per weight matrix (" + layers + "); given " + this.multipliers.length + " and "
                    + this.lrMultipliers.length);
        }
        this.alpha = alpha;
        this.centered = centered;
    }

    private static double[] ones(int n) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    @Override
    public String name() {
        return "e2e";
    }

    @Override
    public int every() {
        return every;
    }

    @Override
    public List<String> columns() {
        List<String> c = new ArrayList<>();
        for (int i = 1; i <= k; i++) {
            c.add("sv_" + i);
        }
        for (int l = 1; l < layers; l++) {
            c.add("cons_" + l);
        }
        return c;
    }

    @Override
    public void measure(RunState s, Map<String, Object> record) {
        List<Matrix> now = LayerMatrices.of(s.w().toDoubles(), shapes);
        List<Matrix> then = LayerMatrices.of(s.w0().toDoubles(), shapes);
        double[] sv = EndToEnd.map(now, multipliers, alpha, centered ? then : null).singularValues();
        for (int i = 0; i < k; i++) {
            record.put("sv_" + (i + 1), i < sv.length ? sv[i] : 0.0);
        }
        double[] r = Conservation.residuals(EndToEnd.balanceScaled(now, lrMultipliers),
                EndToEnd.balanceScaled(then, lrMultipliers));
        for (int l = 0; l < r.length; l++) {
            record.put("cons_" + (l + 1), r[l]);
        }
    }
}
