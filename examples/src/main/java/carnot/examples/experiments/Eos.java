package carnot.examples.experiments;

import carnot.engine.ParamVector;
import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Hessian;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.science.observe.Sharpness;
import carnot.science.optim.Optimizer;
import carnot.science.param.Apply;
import carnot.science.param.Parameterization;
import carnot.science.plot.LinePlot;
import carnot.science.spectral.Eigen;
import carnot.science.spectral.Lanczos;
import carnot.science.spectral.Preconditioned;
import carnot.science.train.ModelObjective;
import carnot.science.train.TrainConfig;
import carnot.science.train.Trainer;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;
import carnot.models.Transformer;
import carnot.models.data.Catalog;
import carnot.models.data.Examples;
import carnot.models.data.RealData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Edge of stability (Cohen, Kaur, Li, Kolter and Talwalkar 2021, ICLR): under full-batch GD with step η the
 * sharpness λ_max(H) rises (progressive sharpening) until it reaches the stability threshold 2/η and then hovers
 * just above it. The same holds for heavy-ball momentum β with threshold 2(1+β)/η (Cohen et al. 2021, appendix;
 * the engine's PyTorch form v ← βv + g, w ← w − ηv is the same iteration as w_{t+1} = w_t − η g_t + β(w_t − w_{t−1})),
 * and for Adam with the preconditioned sharpness λ_max(P⁻¹H), P = diag(√v̂) + ε, against (2 + 2β₁)/((1 − β₁)η)
 * (Cohen et al. 2022, "Adaptive gradient methods at the edge of stability"). Parts:
 * <ul>
 *   <li>{@code gd}: an MLP (tanh, MSE on one-hot labels), plain GD;</li>
 *   <li>{@code momentum}: the same MLP, heavy ball β;</li>
 *   <li>{@code adam}: the same MLP, Adam (β₁, β₂, ε = 1e-8, no decay), sharpness = preconditioned sharpness;</li>
 *   <li>{@code transformer}: next-token cross-entropy on text, GD.</li>
 * </ul>
 * Each part is a {@link Runs}: its examples, one run per rate η until loss &lt; stopLoss or its step cap, sharpness
 * every {@code sharpEvery} steps (override keys {@code gd.lrs}, {@code momentum.samples}, {@code textGd.steps}, …).
 * Law, for every run: the median of sharpness ÷ threshold over the measurements from the first one ≥ 1 on lies in
 * [0.95, 1.15] (NaN, failing, when it never crosses).
 */
public final class Eos implements Experiment<Eos.Config> {
    /** Band of the median sharpness / threshold after the first crossing. */
    static final double LO = 0.95;
    static final double HI = 1.15;
    private static final double ADAM_EPS = 1e-8;

    /**
     * One optimizer's runs: the MLP (or text) examples used, one run per rate, each until loss &lt; stopLoss (0: no
     * stop) or {@code steps} steps, sharpness every {@code sharpEvery} steps.
     *
     * @param samples    training examples (the first ones)
     * @param lrs        rates η, one run each
     * @param steps      steps at most
     * @param stopLoss   stop once the loss is below this (0: never)
     * @param sharpEvery sharpness every this many steps
     */
    public record Runs(int samples, double[] lrs, long steps, double stopLoss, int sharpEvery) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("samples", samples);
            m.put("lrs", lrs);
            m.put("steps", steps);
            m.put("stopLoss", stopLoss);
            m.put("sharpEvery", sharpEvery);
            return m;
        }

        /** This with the overrides {@code PREFIX.samples}, {@code PREFIX.lrs}, … applied. */
        Runs override(String prefix, Overrides o) {
            return new Runs(o.getInt(prefix + ".samples", samples), o.getDoubles(prefix + ".lrs", lrs),
                    o.getLong(prefix + ".steps", steps), o.getDouble(prefix + ".stopLoss", stopLoss),
                    o.getInt(prefix + ".sharpEvery", sharpEvery));
        }
    }

    /**
     * @param parts       which runs: any of gd, momentum, adam, transformer (comma-separated)
     * @param dataset     MLP data set (Catalog name; labels one-hot)
     * @param standardize standardize the inputs per feature
     * @param widths      MLP widths d0..dL (d0 = inputs, dL = classes)
     * @param initScale   every init std multiplied by this (SP)
     * @param f32         compute in f32 (else f64)
     * @param eigTol      Lanczos tolerance
     * @param gd          plain GD on the MLP
     * @param momentum    heavy ball on the MLP
     * @param beta        heavy-ball β
     * @param adam        Adam on the MLP (sharpness = preconditioned sharpness)
     * @param beta1       Adam β₁
     * @param beta2       Adam β₂
     * @param text        transformer data set (Catalog name: language or austen)
     * @param vocab       transformer vocabulary (81 for austen)
     * @param ctx         context length
     * @param dModel      transformer width
     * @param textGd      GD on the transformer (samples = text windows)
     * @param seed        weight and data seed
     */
    public record Config(String parts, String dataset, boolean standardize, int[] widths, double initScale, boolean f32,
                         double eigTol, Runs gd, Runs momentum, double beta, Runs adam, double beta1, double beta2,
                         String text, int vocab, int ctx, int dModel, Runs textGd, long seed) implements Experiment.Config {

        /** Seconds: a 10-32-32-4 MLP on a 100-point Gaussian mixture, a tiny transformer on a Markov language. */
        public static Config smoke() {
            return new Config("gd,momentum,adam,transformer", "mixture", false, new int[] {10, 32, 32, 4}, 1, false, 1e-3,
                    new Runs(100, new double[] {0.4}, 400, 0, 10), new Runs(100, new double[] {0.2}, 400, 0, 10), 0.5,
                    new Runs(100, new double[] {0.05}, 400, 0, 10), 0.9, 0.95,
                    "language", 8, 8, 16, new Runs(32, new double[] {0.1}, 400, 0, 10), 1);
        }

        /**
         * The reference protocol: 784-200-200-10 tanh, first 5,000 Fashion-MNIST images standardized, init ×0.57735,
         * f32, GD η ∈ {2/30, 2/50, 2/70} until loss &lt; 0.01 or 10,000 steps, sharpness every 50 steps; heavy ball
         * β = 0.9 on the same 5,000 images until loss &lt; 0.01, sharpness every 10 steps; Adam (η = 0.002,
         * β₂ = 0.99) on the first 500 images for 600 steps, preconditioned sharpness every 10 steps; a one-block
         * transformer (d = 32, context 32) on 256 Austen character windows, GD η = 0.4, 600 steps, every 20.
         */
        public static Config paper() {
            return new Config("gd,momentum,adam,transformer", "fashion-mnist", true, new int[] {784, 200, 200, 10},
                    0.57735, true, 1e-3,
                    new Runs(5000, new double[] {2.0 / 30, 2.0 / 50, 2.0 / 70}, 10_000, 0.01, 50),
                    new Runs(5000, new double[] {0.1}, 10_000, 0.01, 10), 0.9,
                    new Runs(500, new double[] {2e-3}, 600, 0, 10), 0.9, 0.99,
                    "austen", 81, 32, 32, new Runs(256, new double[] {0.4}, 600, 0, 20), 0);
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("parts", parts);
            m.put("dataset", dataset);
            m.put("standardize", standardize);
            m.put("widths", widths);
            m.put("initScale", initScale);
            m.put("f32", f32);
            m.put("eigTol", eigTol);
            m.put("gd", gd.toMap());
            m.put("momentum", momentum.toMap());
            m.put("beta", beta);
            m.put("adam", adam.toMap());
            m.put("beta1", beta1);
            m.put("beta2", beta2);
            m.put("text", text);
            m.put("vocab", vocab);
            m.put("ctx", ctx);
            m.put("dModel", dModel);
            m.put("textGd", textGd.toMap());
            m.put("seed", seed);
            return m;
        }
    }

    @Override
    public String name() {
        return "eos";
    }

    @Override
    public String tests() {
        return "edge of stability: sharpness rises to and hovers at 2/eta (GD), 2(1+beta)/eta (heavy ball), "
                + "(2+2beta1)/((1-beta1)eta) preconditioned (Adam) (Cohen et al. 2021, 2022)";
    }

    @Override
    public Config preset(Preset preset) {
        return preset == Preset.SMOKE ? Config.smoke() : Config.paper();
    }

    @Override
    public Config override(Config b, Overrides o) {
        return new Config(o.getString("parts", b.parts()), o.getString("dataset", b.dataset()),
                o.getBoolean("standardize", b.standardize()), o.getInts("widths", b.widths()),
                o.getDouble("initScale", b.initScale()), o.getBoolean("f32", b.f32()), o.getDouble("eigTol", b.eigTol()),
                b.gd().override("gd", o), b.momentum().override("momentum", o), o.getDouble("beta", b.beta()),
                b.adam().override("adam", o), o.getDouble("beta1", b.beta1()), o.getDouble("beta2", b.beta2()),
                o.getString("text", b.text()), o.getInt("vocab", b.vocab()), o.getInt("ctx", b.ctx()),
                o.getInt("dModel", b.dModel()), b.textGd().override("textGd", o), o.getLong("seed", b.seed()));
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

    /** One run's sharpness curve against its threshold. */
    record Curve(String label, double threshold, double[] steps, double[] sharpness, long stepsRun, double finalLoss,
                 String status) {
        double[] ratios() {
            return Arrays.stream(sharpness).map(s -> s / threshold).toArray();
        }

        long firstCrossing() {
            for (int i = 0; i < sharpness.length; i++) {
                if (sharpness[i] >= threshold) {
                    return (long) steps[i];
                }
            }
            return -1;
        }
    }

    @Override
    public List<Verdict> run(Config c, ExperimentRun run) {
        List<String> parts = Arrays.stream(c.parts().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        for (String p : parts) {
            if (!List.of("gd", "momentum", "adam", "transformer").contains(p)) {
                throw new IllegalArgumentException("eos parts must be among gd, momentum, adam, transformer; given '" + p + "'");
            }
        }
        List<Curve> curves = new ArrayList<>();
        if (parts.contains("gd")) {
            Runs r = c.gd();
            DataSet data = mlpData(c, r.samples(), run);
            for (double lr : r.lrs()) {
                curves.add(trained("gd eta=" + fmt(lr), mlp(c, run), Loss.MSE, data, r.sharpEvery(),
                        TrainConfig.gd(lr, r.steps()).withStopLoss(r.stopLoss()), 2 / lr, run));
            }
        }
        if (parts.contains("momentum")) {
            Runs r = c.momentum();
            DataSet data = mlpData(c, r.samples(), run);
            for (double lr : r.lrs()) {
                TrainConfig cfg = new TrainConfig(Optimizer.Kind.MOMENTUM, new Optimizer.Hyper(c.beta(), 0.9, 0.999, ADAM_EPS, 0),
                        TrainConfig.gd(lr, r.steps()).schedule(), r.steps(), 1, c.seed(), 0, 1e6, r.stopLoss(), 0, 10);
                curves.add(trained("momentum beta=" + fmt(c.beta()) + " eta=" + fmt(lr), mlp(c, run), Loss.MSE, data,
                        r.sharpEvery(), cfg, 2 * (1 + c.beta()) / lr, run));
            }
        }
        if (parts.contains("adam")) {
            Runs r = c.adam();
            DataSet data = mlpData(c, r.samples(), run);
            for (double lr : r.lrs()) {
                curves.add(adam(c, r, lr, data, run));
            }
        }
        if (parts.contains("transformer")) {
            Runs r = c.textGd();
            Examples ex = Catalog.load(c.text(), new Catalog.Request(r.samples(), 0, 0, c.ctx(), c.vocab(), c.seed(),
                    RealData.defaultCache(), System.err));
            DataSet data = new ArrayDataSet(Tensor.indices(run.backend(), ex.x().toInts(), ex.x().shape()),
                    Tensor.indices(run.backend(), ex.y().toInts(), ex.y().shape()));
            for (double lr : r.lrs()) {
                Transformer t = new Transformer(run.backend(), dtype(c),
                        new Transformer.Config(c.vocab(), c.ctx(), c.dModel(), 1, 1, 4), false, c.seed());
                curves.add(trained("transformer eta=" + fmt(lr), t, Loss.CE, data, r.sharpEvery(),
                        TrainConfig.gd(lr, r.steps()).withStopLoss(r.stopLoss()), 2 / lr, run));
            }
        }
        List<Verdict> verdicts = new ArrayList<>();
        LinePlot plot = LinePlot.titled("Edge of stability: sharpness / threshold").xLabel("step")
                .yLabel("sharpness / threshold");
        double last = 1;
        for (Curve cv : curves) {
            double med = medianAfterFirstCrossing(cv.ratios());
            run.log().printf(Locale.ROOT, "%s: %s after %d steps, final loss %.4g, threshold %.5g, first crossing at step %d, "
                    + "median sharpness/threshold after it %.4f%n", cv.label(), cv.status(), cv.stepsRun(), cv.finalLoss(),
                    cv.threshold(), cv.firstCrossing(), med);
            verdicts.add(Verdict.of(cv.label().replace(' ', '-'),
                    "median of sharpness/threshold after the first crossing (" + cv.label() + ", threshold " + fmt(cv.threshold())
                            + ")", med, 1, LO, HI));
            plot.series(cv.label(), cv.steps(), cv.ratios());
            last = Math.max(last, cv.stepsRun());
            run.plot("eos-" + cv.label().replaceAll("[^A-Za-z0-9.]+", "-") + ".png",
                    LinePlot.titled("Edge of stability: " + cv.label()).xLabel("step").yLabel("sharpness")
                            .series("measured", cv.steps(), cv.sharpness())
                            .series("threshold (theory)", new double[] {0, cv.stepsRun()},
                                    new double[] {cv.threshold(), cv.threshold()}));
        }
        plot.series("threshold (theory)", new double[] {0, last}, new double[] {1, 1});
        run.plot("eos.png", plot);
        return verdicts;
    }

    private static DType dtype(Config c) {
        return c.f32() ? DType.F32 : DType.F64;
    }

    private static String fmt(double x) {
        return Verdict.num(x);
    }

    private Mlp mlp(Config c, ExperimentRun run) {
        Mlp m = new Mlp(run.backend(), dtype(c), c.widths(), Activation.TANH, true, c.seed());
        Apply.apply(Parameterization.sp().withInitScale(c.initScale()).resolve(Apply.infos(m), 1, 1), m, c.seed());
        return m;
    }

    private static DataSet mlpData(Config c, int n, ExperimentRun run) {
        int classes = c.widths()[c.widths().length - 1];
        Examples ex = Catalog.load(c.dataset(), new Catalog.Request(n, c.widths()[0], classes, 0, 0, c.seed(),
                RealData.defaultCache(), System.err));
        if (c.standardize()) {
            ex = ex.standardized();
        }
        return Data.of(ex.oneHot(classes), run.backend(), dtype(c));
    }

    /** Trains with the Trainer, sharpness every {@code every} steps, and records the curve. */
    private static Curve trained(String label, Model model, Loss loss, DataSet data, int every, TrainConfig cfg,
                                 double threshold, ExperimentRun run) {
        ModelObjective obj = new ModelObjective(model, loss, data, null, data.size(), 1e-3, 300);
        List<Double> st = new ArrayList<>();
        List<Double> sh = new ArrayList<>();
        double[] lastLoss = {Double.NaN};
        long t0 = System.nanoTime();
        Trainer.Result r = new Trainer(obj, cfg, List.of(new Sharpness(every, 1)), null, rec -> {
            lastLoss[0] = (Double) rec.get("loss");
            if (rec.containsKey("sharpness")) {
                st.add(((Number) rec.get("step")).doubleValue());
                sh.add((Double) rec.get("sharpness"));
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("series", label);
                m.put("step", rec.get("step"));
                m.put("loss", rec.get("loss"));
                m.put("sharpness", rec.get("sharpness"));
                m.put("ratio", (Double) rec.get("sharpness") / threshold);
                run.record(m);
                if (st.size() % 10 == 1) {
                    run.log().printf(Locale.ROOT, "%s step %d loss %.5g sharpness %.5g (threshold %.5g) %.1f s%n", label,
                            ((Number) rec.get("step")).longValue(), lastLoss[0], sh.getLast(), threshold,
                            (System.nanoTime() - t0) * 1e-9);
                    run.log().flush();
                }
            }
        }).run(ModelObjective.flatten(model), null, null);
        return new Curve(label, threshold, unbox(st), unbox(sh), r.steps(), lastLoss[0], r.status().toString());
    }

    /**
     * Adam at rate {@code lr} from the MLP's init on {@code data}; every {@code r.sharpEvery()} steps the top
     * eigenvalue of P^{-1/2} H P^{-1/2} with P = √(v/(1−β₂ᵗ)) + ε from the state after the latest update (the
     * preconditioner of the coming step up to its own gradient), by warm-started Lanczos.
     */
    private Curve adam(Config c, Runs r, double lr, DataSet data, ExperimentRun run) {
        Mlp model = mlp(c, run);
        ModelObjective obj = new ModelObjective(model, Loss.MSE, data, null, data.size(), c.eigTol(), 300);
        ParamVector w = ModelObjective.flatten(model);
        int p = Math.toIntExact(w.dim());
        Optimizer opt = Optimizer.create(Optimizer.Kind.ADAM, w, new Optimizer.Hyper(0, c.beta1(), c.beta2(), ADAM_EPS, 0), null);
        double thr = Preconditioned.adamThreshold(lr, c.beta1());
        String label = "adam beta1=" + fmt(c.beta1()) + " eta=" + fmt(lr);
        List<Double> st = new ArrayList<>();
        List<Double> sh = new ArrayList<>();
        ParamVector g = ParamVector.zeros(w.backend(), w.dtype(), w.shapes());
        double[] warm = null;
        double loss = Double.NaN;
        long t = 0;
        String status = "COMPLETED";
        for (; t <= r.steps(); t++) {
            loss = obj.lossAndGradient(w, null, g);
            if (!Double.isFinite(loss)) {
                status = "DIVERGED";
                break;
            }
            if (r.stopLoss() > 0 && loss < r.stopLoss()) {
                status = "CONVERGED";
                break;
            }
            if (t > 0 && t % r.sharpEvery() == 0) {
                double[] pre = Preconditioned.adam(opt.state().get("exp_avg_sq"), opt.steps(), c.beta2(), ADAM_EPS);
                obj.load(w);
                double lam;
                try (Scope _ = Scope.open()) {
                    Hessian h = Hessian.of(model, Loss.MSE, data, data.size());
                    Tensor start = warm == null ? null : Tensor.of(h.backend(), h.dtype(), warm, 1, p);
                    Eigen e = Lanczos.topK(Preconditioned.of(h, pre), 1, c.eigTol(), 300, start);
                    lam = e.values()[0];
                    warm = e.vectors().toDoubles();
                }
                st.add((double) t);
                sh.add(lam);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("series", label);
                m.put("step", t);
                m.put("loss", loss);
                m.put("sharpness", lam);
                m.put("ratio", lam / thr);
                run.record(m);
                if (st.size() % 10 == 1) {
                    run.log().printf(Locale.ROOT, "%s step %d loss %.5g preconditioned sharpness %.5g (threshold %.5g)%n",
                            label, t, loss, lam, thr);
                    run.log().flush();
                }
            }
            if (t == r.steps()) {
                break;
            }
            opt.step(w, g, lr);
        }
        return new Curve(label, thr, unbox(st), unbox(sh), t, loss, status);
    }

    private static double[] unbox(List<Double> l) {
        return l.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
