package carnot.examples.experiments;

import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.observe.Sharpness;
import carnot.engine.plot.LinePlot;
import carnot.engine.train.ModelObjective;
import carnot.engine.train.TrainConfig;
import carnot.engine.train.Trainer;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Edge of stability (Cohen et al. 2021): full-batch GD on an MLP with step η; the sharpness λ_max rises
 * (progressive sharpening) until η·λ_max/2 ≈ 1 and then hovers there. For each η this reports the median of
 * η·λ_max/2 over all sharpness measurements from the first one with η·λ_max/2 ≥ 1 on (NaN if it never crosses).
 */
public final class EdgeOfStability {
    private EdgeOfStability() {
    }

    /**
     * @param widths     MLP widths d0..dL
     * @param act        hidden activation
     * @param etas       step sizes
     * @param maxSteps   GD steps at most
     * @param stopLoss   stop once the loss is below this (0 = never)
     * @param every      measure the sharpness every this many steps
     * @param seed       weight seed
     * @param chunk      samples per chunk (memory only)
     */
    public record Config(int[] widths, Activation act, double[] etas, long maxSteps, double stopLoss, int every, long seed,
                         int chunk) {
    }

    /** One η: the measured curve and the summary. */
    public record Outcome(double eta, long steps, long firstCrossing, double median, double seconds,
                          double[] measuredSteps, double[] sharpness, double[] lossSteps, double[] loss, String status) {
    }

    /**
     * Median of {@code ratios[i]} for i from the first index with ratio ≥ 1 to the end; NaN when none reaches 1.
     */
    public static double medianAfterFirstCrossing(double[] ratios) {
        int first = -1;
        for (int i = 0; i < ratios.length; i++) {
            if (ratios[i] >= 1) {
                first = i;
                break;
            }
        }
        if (first < 0) {
            return Double.NaN;
        }
        double[] tail = Arrays.copyOfRange(ratios, first, ratios.length);
        Arrays.sort(tail);
        int n = tail.length;
        return n % 2 == 1 ? tail[n / 2] : 0.5 * (tail[n / 2 - 1] + tail[n / 2]);
    }

    /** Runs every η on the data (MSE loss), prints a summary line per η, and writes a plot when {@code plot} is set. */
    public static List<Outcome> run(Config c, Backend be, DType dtype, DataSet data, PrintWriter out, Path plot) {
        List<Outcome> outcomes = new ArrayList<>();
        for (double eta : c.etas()) {
            Mlp model = new Mlp(be, dtype, c.widths(), c.act(), true, c.seed());
            ModelObjective obj = new ModelObjective(model, Loss.MSE, data, null, c.chunk() > 0 ? c.chunk() : data.size(),
                    1e-4, 200);
            TrainConfig cfg = TrainConfig.gd(eta, c.maxSteps()).withStopLoss(c.stopLoss());
            List<Double> ms = new ArrayList<>();
            List<Double> sh = new ArrayList<>();
            List<Double> ls = new ArrayList<>();
            List<Double> lv = new ArrayList<>();
            long t0 = System.nanoTime();
            Trainer.Result r = new Trainer(obj, cfg, List.of(new Sharpness(c.every(), 1)), null, (Map<String, Object> rec) -> {
                long step = ((Number) rec.get("step")).longValue();
                ls.add((double) step);
                lv.add((Double) rec.get("loss"));
                if (rec.containsKey("sharpness")) {
                    ms.add((double) step);
                    sh.add((Double) rec.get("sharpness"));
                }
            }).run(ModelObjective.flatten(model), null, null);
            double seconds = (System.nanoTime() - t0) * 1e-9;
            double[] ratios = sh.stream().mapToDouble(s -> eta * s / 2).toArray();
            long first = -1;
            for (int i = 0; i < ratios.length; i++) {
                if (ratios[i] >= 1) {
                    first = ms.get(i).longValue();
                    break;
                }
            }
            Outcome o = new Outcome(eta, r.steps(), first, medianAfterFirstCrossing(ratios), seconds,
                    unbox(ms), unbox(sh), unbox(ls), unbox(lv), r.status().toString());
            outcomes.add(o);
            if (out != null) {
                out.printf(Locale.ROOT, "eta=%.6g (2/eta=%.4g): %s after %d steps, final loss %.4g, first crossing at step %d, "
                                + "median eta*lambda/2 after crossing %.4f, %.1f s%n",
                        eta, 2 / eta, o.status(), o.steps(), lv.getLast(), first, o.median(), seconds);
                out.flush();
            }
        }
        if (plot != null) {
            LinePlot p = LinePlot.titled("Edge of stability: sharpness vs 2/eta").xLabel("step").yLabel("sharpness");
            for (Outcome o : outcomes) {
                p.series(String.format(Locale.ROOT, "eta=%.4g", o.eta()), o.measuredSteps(), o.sharpness());
                double last = o.lossSteps().length == 0 ? 1 : o.lossSteps()[o.lossSteps().length - 1];
                p.series(String.format(Locale.ROOT, "2/eta=%.4g", 2 / o.eta()), new double[] {0, last},
                        new double[] {2 / o.eta(), 2 / o.eta()});
            }
            p.save(plot);
        }
        return outcomes;
    }

    private static double[] unbox(List<Double> l) {
        return l.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
