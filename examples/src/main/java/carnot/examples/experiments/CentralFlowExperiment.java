package carnot.examples.experiments;

import carnot.engine.ParamVector;
import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.science.observe.Sharpness;
import carnot.science.plot.LinePlot;
import carnot.science.train.CentralFlow;
import carnot.science.train.ModelObjective;
import carnot.science.train.TrainConfig;
import carnot.science.train.Trainer;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;
import carnot.models.data.Examples;
import carnot.models.data.Generated;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The central flow of gradient descent (Cohen, Damian, Talwalkar, Kolter and Lee, ICLR 2025, "Understanding
 * optimization in deep learning with central flows"), integrated beside GD on a tanh MLP (MSE on one-hot labels of a
 * Gaussian mixture, f64) through {@link CentralFlow} (top-eigenvalue case): dw/dt = −(∇L + ½σ²∇S) in t = η·steps.
 * Laws, over the EoS phase (from one window after GD's sharpness first reaches 2/η to the end), in windows of
 * {@code window} GD steps:
 * <ul>
 *   <li>the flow's predicted time-averaged loss L(w(t)) + ½σ²S tracks GD's loss averaged over the window:
 *       max over windows of |⟨L_flow⟩ − ⟨L_GD⟩| / ⟨L_GD⟩ ≤ 5 %;</li>
 *   <li>the flow's sharpness sits at the edge: max over the flow's points of |S − 2/η| / (2/η) ≤ 5 %.</li>
 * </ul>
 */
public final class CentralFlowExperiment implements Experiment<CentralFlowExperiment.Config> {

    /** Band of the windowed-loss law (relative). */
    static final double LOSS_BAND = 0.05;
    /** Band of the flow-sharpness law (relative to 2/η). */
    static final double SHARPNESS_BAND = 0.05;

    /**
     * @param widths     MLP widths d0..dL (d0 = input dimension, dL = classes)
     * @param samples    training points N
     * @param separation mixture class separation
     * @param lr         GD step η
     * @param steps      GD steps (the flow runs to time η·steps)
     * @param substeps   Euler steps of the flow per GD step (dt = η/substeps, ≥ 2)
     * @param sharpEvery GD sharpness every this many steps (for the first crossing and the plot)
     * @param window     GD steps per averaging window
     * @param gdF32      run GD in f32 (its rounding seeds the unstable direction, as in Cohen et al.'s f32 runs;
     *                   in f64 the oscillation can take hundreds of steps to grow); the flow is always f64
     * @param seed       data and weight seed
     */
    public record Config(int[] widths, int samples, double separation, double lr, int steps, int substeps, int sharpEvery,
                         int window, boolean gdF32, long seed) implements Experiment.Config {
        public Config {
            if (widths.length < 2 || samples < 1 || !(lr > 0) || steps < 1 || substeps < 2 || sharpEvery < 1 || window < 1) {
                throw new IllegalArgumentException("central-flow needs >= 2 widths, samples >= 1, lr > 0, steps >= 1, "
                        + "substeps >= 2, sharpEvery >= 1, window >= 1; given widths " + java.util.Arrays.toString(widths)
                        + ", samples " + samples + ", lr " + lr + ", steps " + steps + ", substeps " + substeps
                        + ", sharpEvery " + sharpEvery + ", window " + window);
            }
        }

        /** 10-32-32-4, 100 points, η = 0.15 (GD's sharpness crosses 2/η near step 290), 400 GD steps. */
        public static Config smoke() {
            return new Config(new int[] {10, 32, 32, 4}, 100, 3.0, 0.15, 400, 2, 10, 25, false, 1);
        }

        /** The same run to 600 GD steps (the largest that fit the shared machine with the flow's third-order cost). */
        public static Config paper() {
            return new Config(new int[] {10, 32, 32, 4}, 100, 3.0, 0.15, 600, 2, 10, 25, false, 1);
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("widths", widths);
            m.put("samples", samples);
            m.put("separation", separation);
            m.put("lr", lr);
            m.put("steps", steps);
            m.put("substeps", substeps);
            m.put("sharpEvery", sharpEvery);
            m.put("window", window);
            m.put("gdF32", gdF32);
            m.put("seed", seed);
            return m;
        }
    }

    @Override
    public String name() {
        return "central-flow";
    }

    @Override
    public String tests() {
        return "central flow dw/dt = -(grad L + sigma^2/2 grad S) tracks GD's windowed loss and holds S at 2/eta "
                + "(Cohen, Damian, Talwalkar, Kolter, Lee, ICLR 2025)";
    }

    @Override
    public Config preset(Preset preset) {
        return preset == Preset.SMOKE ? Config.smoke() : Config.paper();
    }

    @Override
    public Config override(Config b, Overrides o) {
        return new Config(o.getInts("widths", b.widths()), o.getInt("samples", b.samples()),
                o.getDouble("separation", b.separation()), o.getDouble("lr", b.lr()), o.getInt("steps", b.steps()),
                o.getInt("substeps", b.substeps()), o.getInt("sharpEvery", b.sharpEvery()), o.getInt("window", b.window()),
                o.getBoolean("gdF32", b.gdF32()), o.getLong("seed", b.seed()));
    }

    private DataSet data(Config c, ExperimentRun run, DType dtype) {
        int classes = c.widths()[c.widths().length - 1];
        Examples ex = Generated.gaussianMixture(c.samples(), c.widths()[0], classes, c.separation(), c.seed()).oneHot(classes);
        return Data.of(ex, run.backend(), dtype);
    }

    @Override
    public List<Verdict> run(Config c, ExperimentRun run) {
        DataSet data = data(c, run, DType.F64);
        double thr = 2 / c.lr();
        // gradient descent
        DType gdType = c.gdF32() ? DType.F32 : DType.F64;
        DataSet gdData = c.gdF32() ? data(c, run, gdType) : data;
        Mlp gdModel = new Mlp(run.backend(), gdType, c.widths(), Activation.TANH, true, c.seed());
        ModelObjective obj = new ModelObjective(gdModel, Loss.MSE, gdData, null, gdData.size(), 1e-6, 300);
        double[] gdLoss = new double[c.steps() + 1];
        List<double[]> gdSharp = new ArrayList<>();
        long t0 = System.nanoTime();
        new Trainer(obj, TrainConfig.gd(c.lr(), c.steps()), List.of(new Sharpness(c.sharpEvery(), 1)), null, rec -> {
            int step = ((Number) rec.get("step")).intValue();
            gdLoss[step] = (Double) rec.get("loss");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("series", "gd");
            m.put("step", step);
            m.put("loss", rec.get("loss"));
            if (rec.containsKey("sharpness")) {
                gdSharp.add(new double[] {step, (Double) rec.get("sharpness")});
                m.put("sharpness", rec.get("sharpness"));
            }
            run.record(m);
        }).run(ModelObjective.flatten(gdModel), null, null);
        double gdSeconds = (System.nanoTime() - t0) * 1e-9;
        // central flow from the same initial weights
        Mlp flowModel = new Mlp(run.backend(), DType.F64, c.widths(), Activation.TANH, true, c.seed());
        CentralFlow flow = new CentralFlow(flowModel, Loss.MSE, data, data.size(), c.lr(), c.lr() / c.substeps(), 1e-8, 300);
        ParamVector w = ModelObjective.flatten(flowModel);
        int n = c.steps() * c.substeps();
        double[] fStep = new double[n + 1];
        double[] fPred = new double[n + 1];
        double[] fLoss = new double[n + 1];
        double[] fSharp = new double[n + 1];
        double[] fSigma = new double[n + 1];
        t0 = System.nanoTime();
        for (int k = 0; k <= n; k++) {
            CentralFlow.Point p = flow.step(w);
            fStep[k] = k / (double) c.substeps();
            fPred[k] = p.predictedLoss();
            fLoss[k] = p.loss();
            fSharp[k] = p.sharpness();
            fSigma[k] = p.sigma2();
            if (k % c.substeps() == 0) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("series", "flow");
                m.put("step", fStep[k]);
                m.put("loss", p.loss());
                m.put("predicted_loss", p.predictedLoss());
                m.put("sharpness", p.sharpness());
                m.put("sigma2", p.sigma2());
                run.record(m);
            }
            if (!Double.isFinite(p.loss()) || !Double.isFinite(p.sharpness())) {
                run.log().printf(Locale.ROOT, "flow diverged at step %.2f%n", fStep[k]);
                break;
            }
        }
        double flowSeconds = (System.nanoTime() - t0) * 1e-9;
        // the EoS phase: one window after GD's first crossing of 2/η
        int crossing = -1;
        for (double[] s : gdSharp) {
            if (s[1] >= thr) {
                crossing = (int) s[0];
                break;
            }
        }
        run.log().printf(Locale.ROOT, "GD: %d steps in %.1f s, first crossing of 2/eta = %.4g at step %d; flow: %d Euler steps "
                + "(dt = eta/%d) in %.1f s%n", c.steps(), gdSeconds, thr, crossing, n, c.substeps(), flowSeconds);
        double maxLossErr = Double.NaN;
        double maxSharpErr = Double.NaN;
        List<double[]> windows = new ArrayList<>();
        if (crossing >= 0) {
            int start = crossing + c.window();
            maxLossErr = start + c.window() <= c.steps() ? 0 : Double.NaN;
            for (int a = start; a + c.window() <= c.steps(); a += c.window()) {
                int b = a + c.window();
                double gd = 0;
                for (int t = a; t < b; t++) {
                    gd += gdLoss[t];
                }
                gd /= c.window();
                double fl = 0;
                int cnt = 0;
                for (int k = a * c.substeps(); k < b * c.substeps(); k++) {
                    fl += fPred[k];
                    cnt++;
                }
                fl /= cnt;
                double err = Math.abs(fl - gd) / gd;
                maxLossErr = Math.max(maxLossErr, err);
                windows.add(new double[] {0.5 * (a + b), gd, fl, err});
                run.log().printf(Locale.ROOT, "window [%d, %d): GD mean loss %.6g, flow predicted %.6g, rel. err %.4f%n",
                        a, b, gd, fl, err);
            }
            for (int k = start * c.substeps(); k <= n; k++) {
                double e = Math.abs(fSharp[k] - thr) / thr;
                maxSharpErr = Double.isNaN(maxSharpErr) ? e : Math.max(maxSharpErr, e);
            }
        }
        plots(c, run, gdLoss, gdSharp, fStep, fLoss, fPred, fSharp, windows, thr);
        return List.of(
                Verdict.of("windowed-loss", "max over EoS windows of |<L_flow + sigma^2 S/2> - <L_GD>| / <L_GD>",
                        maxLossErr, 0, 0, LOSS_BAND),
                Verdict.of("flow-sharpness", "max over the flow in the EoS phase of |S - 2/eta| / (2/eta)",
                        maxSharpErr, 0, 0, SHARPNESS_BAND));
    }

    private static void plots(Config c, ExperimentRun run, double[] gdLoss, List<double[]> gdSharp, double[] fStep,
                              double[] fLoss, double[] fPred, double[] fSharp, List<double[]> windows, double thr) {
        double[] steps = new double[gdLoss.length];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = i;
        }
        LinePlot loss = LinePlot.titled(String.format(Locale.ROOT, "Central flow vs GD (eta = %.3g): train loss", c.lr()))
                .xLabel("GD step (t / eta)").yLabel("loss").logY()
                .series("GD loss", steps, gdLoss)
                .series("central flow L(w)", fStep, fLoss)
                .series("central flow L + sigma^2 S/2 (theory)", fStep, fPred);
        if (!windows.isEmpty()) {
            loss.series("GD window mean", windows.stream().mapToDouble(v -> v[0]).toArray(),
                    windows.stream().mapToDouble(v -> v[1]).toArray());
        }
        run.plot("central-flow-loss.png", loss);
        run.plot("central-flow-sharpness.png", LinePlot.titled("Central flow vs GD: sharpness")
                .xLabel("GD step (t / eta)").yLabel("lambda_max")
                .series("GD", gdSharp.stream().mapToDouble(v -> v[0]).toArray(), gdSharp.stream().mapToDouble(v -> v[1]).toArray())
                .series("central flow", fStep, fSharp)
                .series("2/eta (theory)", new double[] {0, c.steps()}, new double[] {thr, thr}));
    }
}
