package carnot.engine.observe;

import carnot.engine.train.Observable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * For deep linear (and homogeneous) networks: the top singular values of the end-to-end product
 * {@code W_L ⋯ W_1} (columns sv_1..sv_k) and the conservation residuals {@code ‖D_l(t) − D_l(0)‖_F} of
 * {@code D_l = W_{l+1}ᵀW_{l+1} − W_l W_lᵀ} (columns cons_1..cons_{L−1}); uses the rank-2 parameters in order.
 */
public final class DeepLinearObservables implements Observable {
    private final int every;
    private final int k;
    private final List<int[]> shapes;
    private final int layers;

    public DeepLinearObservables(int every, int k, List<int[]> shapes) {
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
        List<Matrix> now = LayerMatrices.of(s.w(), shapes);
        double[] sv = EndToEnd.singularValues(now);
        for (int i = 0; i < k; i++) {
            record.put("sv_" + (i + 1), i < sv.length ? sv[i] : 0.0);
        }
        double[] r = Conservation.residuals(now, LayerMatrices.of(s.w0(), shapes));
        for (int l = 0; l < r.length; l++) {
            record.put("cons_" + (l + 1), r[l]);
        }
    }
}
