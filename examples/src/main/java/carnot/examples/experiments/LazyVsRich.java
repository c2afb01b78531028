package carnot.examples.experiments;

import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.observe.WeightMovement;
import carnot.engine.param.OutputScaled;
import carnot.engine.train.ModelObjective;
import carnot.engine.train.Observable;
import carnot.engine.train.TrainConfig;
import carnot.engine.train.Trainer;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;
import carnot.models.data.Generated;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Lazy vs rich training via Chizat and Bach's output multiplier α: the centered model α·(f(w) − f(w₀)) trained by
 * GD with rate η/α² (GD on ℓ(αf)/α²) follows the same function-space dynamics to first order for every α, but
 * the weights move by O(1/α): large α is lazy (kernel regime, features frozen: CKA with the initial features → 1),
 * small α is rich (features move).
 */
public final class LazyVsRich {
    private LazyVsRich() {
    }

    /**
     * @param inputDim d
     * @param hidden   student width
     * @param samples  teacher-student samples
     * @param alphas   output multipliers to compare
     * @param lr       base GD rate (divided by α²)
     * @param steps    GD steps
     * @param seed     data and init seed
     */
    public record Config(int inputDim, int hidden, int samples, double[] alphas, double lr, long steps, long seed) {
    }

    /** Result for one α: final loss, relative weight movement, feature movement, CKA with the initial features. */
    public record Row(double alpha, double loss, double weightMove, double featureMove, double ckaInit) {
    }

    public static List<Row> run(Config c, Backend be, DType dtype) {
        DataSet data = Data.of(Generated.teacherStudent(c.samples(), new int[] {c.inputDim(), 2 * c.inputDim(), 1}, "tanh",
                0.0, c.seed()), be, dtype);
        List<Row> rows = new ArrayList<>();
        for (double alpha : c.alphas()) {
            Mlp mlp = new Mlp(be, dtype, new int[] {c.inputDim(), c.hidden(), 1}, Activation.TANH, true, c.seed());
            ModelObjective obj = new ModelObjective(new OutputScaled(mlp, alpha, true), Loss.MSE, data, null, data.size(),
                    1e-6, 100);
            List<Observable> obs = List.of(new WeightMovement((int) c.steps(), obj.names(), obj.shapes()),
                    new FeatureObservable((int) c.steps(), mlp, obj, data, data.size()));
            Map<String, Object> last = new HashMap<>();
            new Trainer(obj, TrainConfig.gd(c.lr() / (alpha * alpha), c.steps()), obs, null, last::putAll)
                    .run(ModelObjective.flatten(mlp), null, null);
            rows.add(new Row(alpha, (Double) last.get("loss"), (Double) last.get("move_total"),
                    (Double) last.get("feature_move"), (Double) last.get("cka_init")));
        }
        return rows;
    }

    /** A text table of the rows. */
    public static String table(List<Row> rows) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%8s %12s %12s %12s %10s%n", "alpha", "loss",
                "weight_move", "feature_move", "cka_init"));
        for (Row r : rows) {
            s.append(String.format(Locale.ROOT, "%8.4g %12.5g %12.5g %12.5g %10.6f%n", r.alpha(), r.loss(), r.weightMove(),
                    r.featureMove(), r.ckaInit()));
        }
        return s.toString();
    }
}
