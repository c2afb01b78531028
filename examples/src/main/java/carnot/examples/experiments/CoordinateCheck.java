package carnot.examples.experiments;

import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.Scope;
import carnot.engine.param.Apply;
import carnot.engine.param.Parameterization;
import carnot.engine.param.Table;
import carnot.engine.plot.LinePlot;
import carnot.engine.train.ModelObjective;
import carnot.engine.train.TrainConfig;
import carnot.engine.train.Trainer;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Coordinate check (Yang et al. 2022): for an MLP {@code d → n → … → n → c} at several widths n, apply a
 * parameterization (relative to base width n₀), take a few full-batch GD steps with a fixed base rate, and
 * measure per layer l the coordinate size of the pre-activations {@code act = RMS(h_l(T))} and of their change
 * {@code delta = RMS(h_l(T) − h_l(0))}. Under µP both stay O(1) across widths; under SP with a fixed rate the
 * changes grow with width (the output change ∝ n).
 */
public final class CoordinateCheck {
    private CoordinateCheck() {
    }

    /**
     * @param inputDim  d
     * @param outputDim c
     * @param widths    hidden widths n to compare
     * @param hidden    number of hidden layers (≥ 1)
     * @param baseWidth n₀
     * @param lr        base learning rate
     * @param steps     GD steps T
     * @param act       activation
     * @param seed      weight seed
     */
    public record Config(int inputDim, int outputDim, int[] widths, int hidden, int baseWidth, double lr, int steps,
                         Activation act, long seed) {
    }

    /** One layer at one width: layer 1..hidden are hidden pre-activations, hidden+1 is the output. */
    public record Row(String parameterization, int width, int layer, double act, double delta) {
    }

    /** Runs the check for one parameterization over all widths. */
    public static List<Row> run(Config c, Parameterization p, Backend be, DType dtype, DataSet data) {
        List<Row> rows = new ArrayList<>();
        for (int n : c.widths()) {
            int[] widths = new int[c.hidden() + 2];
            Arrays.fill(widths, n);
            widths[0] = c.inputDim();
            widths[widths.length - 1] = c.outputDim();
            Mlp model = new Mlp(be, dtype, widths, c.act(), false, c.seed());
            Table t = p.resolve(Apply.infos(model), n / (double) c.baseWidth(), 1);
            Apply.apply(t, model, c.seed());
            ModelObjective obj = new ModelObjective(model, Loss.MSE, data, null, data.size(), 1e-6, 100);
            double[] w0 = ModelObjective.flatten(model);
            Trainer.Result r = new Trainer(obj, TrainConfig.gd(c.lr() * p.alphaLrFactor(), c.steps()), List.of(), null, null)
                    .run(w0, t.lrMultipliers(), null);
            List<double[]> before = layerOutputs(model, obj, w0, data);
            List<double[]> after = layerOutputs(model, obj, r.w(), data);
            for (int l = 0; l < before.size(); l++) {
                double[] a = after.get(l);
                double[] b = before.get(l);
                double[] d = new double[a.length];
                for (int i = 0; i < a.length; i++) {
                    d[i] = a[i] - b[i];
                }
                rows.add(new Row(p.name(), n, l + 1, rms(a), rms(d)));
            }
        }
        return rows;
    }

    /** max/min over widths of {@code act} (or {@code delta}) for one layer. */
    public static double spread(List<Row> rows, int layer, boolean delta) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (Row r : rows) {
            if (r.layer() == layer) {
                double v = delta ? r.delta() : r.act();
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        return hi / lo;
    }

    /** Ratio of {@code delta} at the widest to the narrowest width for one layer. */
    public static double growth(List<Row> rows, int layer) {
        Row narrow = null;
        Row wide = null;
        for (Row r : rows) {
            if (r.layer() == layer) {
                narrow = narrow == null || r.width() < narrow.width() ? r : narrow;
                wide = wide == null || r.width() > wide.width() ? r : wide;
            }
        }
        return wide.delta() / narrow.delta();
    }

    /** A text table: parameterization, width, layer, act, delta. */
    public static String table(List<Row> rows) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-10s %7s %6s %12s %12s%n", "param", "width", "layer",
                "act_rms", "delta_rms"));
        for (Row r : rows) {
            s.append(String.format(Locale.ROOT, "%-10s %7d %6d %12.5g %12.5g%n", r.parameterization(), r.width(), r.layer(),
                    r.act(), r.delta()));
        }
        return s.toString();
    }

    /** Plot of delta_rms against width (log-log), one series per parameterization and layer. */
    public static void plot(List<Row> rows, Path file) {
        LinePlot p = LinePlot.titled("Coordinate check: RMS change of pre-activations after T steps").xLabel("width")
                .yLabel("delta RMS").logX().logY();
        List<String> keys = new ArrayList<>();
        for (Row r : rows) {
            String k = r.parameterization() + " layer " + r.layer();
            if (!keys.contains(k)) {
                keys.add(k);
            }
        }
        for (String k : keys) {
            List<Row> sel = rows.stream().filter(r -> (r.parameterization() + " layer " + r.layer()).equals(k)).toList();
            p.series(k, sel.stream().mapToDouble(Row::width).toArray(), sel.stream().mapToDouble(Row::delta).toArray());
        }
        p.save(file);
    }

    /** Pre-activations of every layer (hidden layers and output) at weights w, as flat host arrays. */
    private static List<double[]> layerOutputs(Mlp model, ModelObjective obj, double[] w, DataSet data) {
        obj.load(w);
        try (Scope _ = Scope.open()) {
            return MlpProbes.preActivations(model, data.x(0, data.size()));
        }
    }

    private static double rms(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s / v.length);
    }
}
