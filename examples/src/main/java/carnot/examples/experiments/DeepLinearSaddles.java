package carnot.examples.experiments;

import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.observe.DeepLinearObservables;
import carnot.engine.param.Apply;
import carnot.engine.param.Parameterization;
import carnot.engine.param.Table;
import carnot.engine.plot.LinePlot;
import carnot.engine.train.ModelObjective;
import carnot.engine.train.TrainConfig;
import carnot.engine.train.Trainer;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.models.Mlp;
import carnot.models.data.Generated;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Saddle-to-saddle dynamics of a deep linear network (Saxe et al. 2014; Jacot et al. 2021): from a small
 * initialization, GD learns the target map's singular values one at a time, largest first, with plateaus in
 * between; the balancedness {@code W_{l+1}ᵀW_{l+1} − W_lW_lᵀ} is conserved up to O(η²) per step.
 */
public final class DeepLinearSaddles {
    private DeepLinearSaddles() {
    }

    /**
     * @param dim       input = output dimension d
     * @param hidden    hidden width
     * @param depth     number of weight matrices L ≥ 2
     * @param targets   singular values of the target map (descending, at most d)
     * @param samples   whitened inputs
     * @param initScale init std multiplier relative to 1/√fan_in (small = rich, saddle-to-saddle)
     * @param lr        GD step
     * @param steps     GD steps
     * @param every     measurement interval
     * @param seed      data and init seed
     */
    public record Config(int dim, int hidden, int depth, double[] targets, int samples, double initScale, double lr,
                         long steps, int every, long seed) {
    }

    /**
     * @param steps  measurement steps
     * @param sv     sv[i][t]: i-th singular value of the end-to-end map at measurement t
     * @param loss   loss at each measurement
     * @param cons   max over layer pairs of the conservation residual at each measurement
     * @param halfway step at which sv_i first reaches half its target (−1 if never)
     */
    public record Outcome(double[] steps, double[][] sv, double[] loss, double[] cons, long[] halfway) {
    }

    public static Outcome run(Config c, Backend be, DType dtype) {
        int[] widths = new int[c.depth() + 1];
        java.util.Arrays.fill(widths, c.hidden());
        widths[0] = c.dim();
        widths[c.depth()] = c.dim();
        DataSet data = Data.of(Generated.whitenedLinear(c.samples(), c.dim(), c.dim(), c.targets(), c.seed()), be, dtype);
        Mlp model = Mlp.deepLinear(be, dtype, widths, c.seed());
        Table t = Parameterization.sp().withInitScale(c.initScale()).resolve(Apply.infos(model), 1, 1);
        Apply.apply(t, model, c.seed());
        ModelObjective obj = new ModelObjective(model, Loss.MSE, data, null, data.size(), 1e-6, 100);
        int k = c.targets().length;
        List<Map<String, Object>> recs = new ArrayList<>();
        new Trainer(obj, TrainConfig.gd(c.lr(), c.steps()), List.of(new DeepLinearObservables(c.every(), k, obj.shapes())),
                null, r -> {
                    if (r.containsKey("sv_1")) {
                        recs.add(r);
                    }
                }).run(ModelObjective.flatten(model), null, null);
        int m = recs.size();
        double[] steps = new double[m];
        double[][] sv = new double[k][m];
        double[] loss = new double[m];
        double[] cons = new double[m];
        long[] halfway = new long[k];
        java.util.Arrays.fill(halfway, -1);
        for (int j = 0; j < m; j++) {
            Map<String, Object> r = recs.get(j);
            steps[j] = ((Number) r.get("step")).doubleValue();
            loss[j] = (Double) r.get("loss");
            for (int i = 0; i < k; i++) {
                sv[i][j] = (Double) r.get("sv_" + (i + 1));
                if (halfway[i] < 0 && sv[i][j] >= 0.5 * c.targets()[i]) {
                    halfway[i] = (long) steps[j];
                }
            }
            for (int l = 1; r.containsKey("cons_" + l); l++) {
                cons[j] = Math.max(cons[j], (Double) r.get("cons_" + l));
            }
        }
        return new Outcome(steps, sv, loss, cons, halfway);
    }

    /** Singular values (and targets as dashed levels) against step. */
    public static void plot(Config c, Outcome o, Path file) {
        LinePlot p = LinePlot.titled("Deep linear network: singular values of the end-to-end map").xLabel("step")
                .yLabel("singular value");
        for (int i = 0; i < o.sv().length; i++) {
            p.series(String.format(Locale.ROOT, "sv %d (target %.3g)", i + 1, c.targets()[i]), o.steps(), o.sv()[i]);
        }
        p.save(file);
    }
}
