package carnot.science.observe;

import carnot.engine.DataSet;
import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.science.train.ModelObjective;
import carnot.science.train.Observable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Feature learning on a fixed probe set (the first {@code probe} inputs of a data set): relative movement of the
 * last hidden features ({@link Model#features}) {@code ‖Φ − Φ₀‖_F/‖Φ₀‖_F}, their linear CKA with the initial
 * features (1 = unchanged up to rotation and scale), and the alignment of the input AGOP ({@link Agop#of}) with the
 * first-layer Gram {@code W₁ᵀW₁} (W₁ = the first parameter times its multiplier, [d₁, d₀]).
 * Columns feature_move, cka_init, agop_align. Φ₀ is checkpointed so a resumed run measures the same values.
 * Inputs that are token ids (I32, e.g. a {@code Transformer}'s) have no input gradient: agop_align is then NaN
 * (null in metrics.jsonl); feature_move and cka_init are measured as for any model.
 */
public final class FeatureObservable implements Observable {
    private final int every;
    private final Model model;
    private final ModelObjective objective;
    private final Tensor probe;
    private final boolean tokens;
    private Matrix phi0;

    public FeatureObservable(int every, Model model, ModelObjective objective, DataSet data, int probe) {
        if (every < 1 || probe < 2) {
            throw new IllegalArgumentException("features needs every >= 1 and a probe of >= 2 inputs; given " + every + ", " + probe);
        }
        this.every = every;
        this.model = model;
        this.objective = objective;
        this.probe = data.x(0, Math.min(probe, data.size()));
        this.tokens = !this.probe.dtype().isFloating();
        int[] first = model.params().getFirst().shape();
        if (!tokens && (this.probe.rank() != 2 || first.length != 2 || first[1] != this.probe.dim(1))) {
            throw new IllegalArgumentException("features needs inputs [N, d] and a first parameter [d1, d] (a first "
                    + "layer); given inputs " + Arrays.toString(this.probe.shape()) + " and first parameter "
                    + Arrays.toString(first));
        }
    }

    @Override
    public String name() {
        return "features";
    }

    @Override
    public int every() {
        return every;
    }

    @Override
    public List<String> columns() {
        return List.of("feature_move", "cka_init", "agop_align");
    }

    @Override
    public void measure(RunState s, Map<String, Object> record) {
        if (phi0 == null) {
            objective.load(s.w0());
            phi0 = lastFeatures();
        }
        objective.load(s.w());
        Matrix phi = lastFeatures();
        record.put("feature_move", Movement.features(phi, phi0));
        record.put("cka_init", Cka.linear(phi, phi0));
        if (tokens) {
            record.put("agop_align", Double.NaN);
            return;
        }
        try (Scope _ = Scope.open()) {
            Param p = model.params().getFirst();
            Tensor w1 = p.multiplier() == 1 ? p.value() : p.value().mul(p.multiplier());
            record.put("agop_align", Agop.alignment(Agop.of(model, model.values(), probe), Matrix.of(w1)));
        }
    }

    private Matrix lastFeatures() {
        try (Scope _ = Scope.open()) {
            List<Tensor> h = model.features(model.values(), probe);
            if (h.isEmpty()) {
                throw new IllegalArgumentException("features needs a model with a hidden layer; " + model + " has none");
            }
            return Matrix.of(h.getLast());
        }
    }

    @Override
    public Map<String, double[]> state() {
        Map<String, double[]> m = new LinkedHashMap<>();
        if (phi0 != null) {
            m.put("phi0", phi0.data().clone());
            m.put("phi0_shape", new double[] {phi0.rows(), phi0.cols()});
        }
        return m;
    }

    @Override
    public void load(Map<String, double[]> state) {
        if (state.containsKey("phi0")) {
            double[] sh = state.get("phi0_shape");
            phi0 = new Matrix((int) sh[0], (int) sh[1], state.get("phi0").clone());
        }
    }
}
