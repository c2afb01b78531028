package carnot.science.observe;

import carnot.engine.DataSet;
import carnot.engine.Model;
import carnot.engine.Readout;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.science.train.ModelObjective;
import carnot.science.train.Observable;
import carnot.kernels.DType;
import java.util.List;
import java.util.Map;

/**
 * Neural-collapse metrics NC1–NC4 ({@link NeuralCollapse}) of a model's last hidden features
 * ({@link Model#features}) on a data set, with the model's {@link Model#readout} as the classifier. Columns nc1,
 * nc2_norm, nc2_angle, nc3, nc4.
 */
public final class CollapseObservable implements Observable {
    private final int every;
    private final Model model;
    private final ModelObjective objective;
    private final DataSet data;
    private final int[] labels;

    public CollapseObservable(int every, Model model, ModelObjective objective, DataSet data) {
        if (every < 1) {
            throw new IllegalArgumentException("nc needs every >= 1; given " + every);
        }
        this.every = every;
        this.model = model;
        this.objective = objective;
        this.data = data;
        this.labels = labels(data);
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
            List<Tensor> w = model.values();
            List<Tensor> h = model.features(w, data.x(0, data.size()));
            if (h.isEmpty()) {
                throw new IllegalArgumentException("neural collapse needs a model with a hidden layer; " + model
                        + " has none");
            }
            Readout ro = model.readout(w);
            r = NeuralCollapse.of(Matrix.of(h.getLast()), labels, ro.weight().dim(0), Matrix.of(ro.weight()),
                    ro.bias() == null ? null : ro.bias().toDoubles());
        }
        record.put("nc1", r.nc1());
        record.put("nc2_norm", r.nc2Norm());
        record.put("nc2_angle", r.nc2Angle());
        record.put("nc3", r.nc3());
        record.put("nc4", r.nc4());
    }

    /** Class ids of a data set: integer targets as they are, float targets [N, C] by argmax (one-hot). */
    public static int[] labels(DataSet data) {
        try (Scope _ = Scope.open()) {
            Tensor y = data.y(0, data.size());
            if (y.dtype() == DType.I32) {
                return y.toInts();
            }
            return ModelObjective.argmaxRows(y.toDoubles(), y.dim(y.rank() - 1));
        }
    }
}
