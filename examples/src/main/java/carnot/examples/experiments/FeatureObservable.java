package carnot.examples.experiments;

import carnot.engine.DataSet;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.engine.observe.Agop;
import carnot.engine.observe.Cka;
import carnot.engine.observe.Matrix;
import carnot.engine.observe.Movement;
import carnot.engine.train.ModelObjective;
import carnot.engine.train.Observable;
import carnot.models.Mlp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Feature learning of an MLP on a fixed probe set (the first {@code probe} training inputs): relative movement of
 * the last hidden features {@code ‖Φ − Φ₀‖_F/‖Φ₀‖_F}, their linear CKA with the initial features (1 = unchanged
 * up to rotation and scale), and the alignment of the input AGOP with the first-layer Gram {@code W₁ᵀW₁}.
 * Columns feature_move, cka_init, agop_align. Φ₀ is checkpointed so a resumed run measures the same values.
 */
public final class FeatureObservable implements Observable {
    private final int every;
    private final Mlp model;
    private final ModelObjective objective;
    private final Tensor probe;
    private Matrix phi0;

    public FeatureObservable(int every, Mlp model, ModelObjective objective, DataSet data, int probe) {
        if (every < 1 || probe < 2) {
            throw new IllegalArgumentException("features needs every >= 1 and a probe of >= 2 inputs; given " + every + ", " + probe);
        }
        this.every = every;
        this.model = model;
        this.objective = objective;
        this.probe = data.x(0, Math.min(probe, data.size()));
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
            phi0 = MlpProbes.lastHidden(model, probe);
        }
        objective.load(s.w());
        Matrix phi = MlpProbes.lastHidden(model, probe);
        record.put("feature_move", Movement.features(phi, phi0));
        record.put("cka_init", Cka.linear(phi, phi0));
        try (Scope _ = Scope.open()) {
            record.put("agop_align", Agop.alignment(MlpProbes.agop(objective.model(), probe), MlpProbes.firstLayer(model)));
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
