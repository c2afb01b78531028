package carnot.examples.experiments;

import carnot.engine.DataSet;
import carnot.engine.Scope;
import carnot.engine.observe.NeuralCollapse;
import carnot.engine.train.ModelObjective;
import carnot.engine.train.Observable;
import carnot.models.Mlp;
import java.util.List;
import java.util.Map;

/**
 * Neural-collapse metrics NC1–NC4 ({@link NeuralCollapse}) of an MLP's last hidden features on the training set,
 * with the effective readout as classifier. Columns nc1, nc2_norm, nc2_angle, nc3, nc4.
 */
public final class CollapseObservable implements Observable {
    private final int every;
    private final Mlp model;
    private final ModelObjective objective;
    private final DataSet data;
    private final int[] labels;
    private final int classes;

    public CollapseObservable(int every, Mlp model, ModelObjective objective, DataSet data) {
        if (every < 1) {
            throw new IllegalArgumentException("nc needs every >= 1; given " + every);
        }
        this.every = every;
        this.model = model;
        this.objective = objective;
        this.data = data;
        this.labels = MlpProbes.labels(data);
        this.classes = model.widths()[model.widths().length - 1];
    }

    @Override
    public String name() {
        return "nc";
    }

    @Override
    public int every() {
        return every;
    }

    @Override
    public List<String> columns() {
        return List.of("nc1", "nc2_norm", "nc2_angle", "nc3", "nc4");
    }

    @Override
    public void measure(RunState s, Map<String, Object> record) {
        objective.load(s.w());
        NeuralCollapse.Result r;
        try (Scope _ = Scope.open()) {
            r = NeuralCollapse.of(MlpProbes.lastHidden(model, data.x(0, data.size())), labels, classes,
                    MlpProbes.readout(model), MlpProbes.readoutBias(model));
        }
        record.put("nc1", r.nc1());
        record.put("nc2_norm", r.nc2Norm());
        record.put("nc2_angle", r.nc2Angle());
        record.put("nc3", r.nc3());
        record.put("nc4", r.nc4());
    }
}
