package carnot.examples.experiments;

import carnot.engine.ParamVector;
import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.science.optim.Optimizer;
import carnot.science.param.Apply;
import carnot.science.param.Parameterization;
import carnot.science.param.Table;
import carnot.science.plot.LinePlot;
import carnot.science.train.ModelObjective;
import carnot.science.train.TrainConfig;
import carnot.science.train.Trainer;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;
import carnot.models.Transformer;
import carnot.models.data.Catalog;
import carnot.models.data.Examples;
import carnot.models.data.Generated;
import carnot.models.data.RealData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * µP hyper-parameter transfer (Yang, Hu et al. 2021, "Tensor Programs V: tuning large neural networks via zero-shot
 * hyperparameter transfer"): sweep the base learning rate at several widths, train T full-batch steps, and take
 * the loss-optimal rate per width. Under µP ({@code mup} table for GD, {@code mup-adam} for Adam, relative to the
 * base width n₀) the optimum stays put; under SP it shifts with width (or SP diverges at the µP optimum). Laws, for
 * the MLP (tanh, 2 hidden layers, MSE on one-hot mixture labels) and the transformer (one block, next-token CE), for
 * GD and Adam:
 * <ul>
 *   <li>µP: max/min over widths of the loss-optimal rate ≤ 2;</li>
 *   <li>SP: max/min over widths of the loss-optimal rate ≥ 4, or SP diverges at the widest width at µP's optimum
 *       rate of the base width;</li>
 * </ul>
 * The coordinate check (Yang et al. 2022) is measured and plotted, not asserted: the RMS change of the outputs after
 * {@code coordSteps} steps at a fixed base rate, per width (theory: width-independent under µP, growing ∝ width
 * under SP).
 * A diverged or non-finite run counts as loss +∞.
 */
public final class MupTransfer implements Experiment<MupTransfer.Config> {
    static final double MUP_SHIFT = 2;
    static final double SP_SHIFT = 4;

    /**
     * @param mlpWidths   MLP hidden widths (first = base width n₀)
     * @param inputDim    MLP inputs
     * @param classes     MLP classes
     * @param samples     MLP training points
     * @param tWidths     transformer widths d_model (first = base)
     * @param ctx         transformer context
     * @param vocab       transformer vocabulary
     * @param tSamples    text windows
     * @param text        text set (Catalog: language or austen)
     * @param gdLrs       GD base rates swept
     * @param adamLrs     Adam base rates swept
     * @param steps       training steps T per run
     * @param coordGdLr   base rate of the GD coordinate check
     * @param coordAdamLr base rate of the Adam coordinate check
     * @param coordSteps  steps of the coordinate check
     * @param seed        weight and data seed
     */
    public record Config(int[] mlpWidths, int inputDim, int classes, int samples, int[] tWidths, int ctx, int vocab,
                         int tSamples, String text, double[] gdLrs, double[] adamLrs, int steps, double coordGdLr,
                         double coordAdamLr, int coordSteps, long seed) implements Experiment.Config {

        /** Seconds: MLP widths 32…128, transformer 16…64, 7 rates each (×2 apart), 20 steps. */
        public static Config smoke() {
            return new Config(new int[] {32, 64, 128}, 8, 4, 64, new int[] {16, 32, 64}, 8, 8, 32, "language",
                    grid(0.025, 2, 7), grid(1.0 / 512, 2, 7), 20, 0.1, 0.01, 3, 1);
        }

        /**
         * The widths of Yang et al.'s sweeps at this data size: MLP 64…2048, transformer 64…512 on Austen characters,
         * 9 rates ×2 apart, 30 steps.
         */
        public static Config paper() {
            return new Config(new int[] {64, 128, 256, 512, 1024, 2048}, 16, 4, 128, new int[] {64, 128, 256, 512}, 16, 81, 64,
                    "austen", grid(0.0125, 2, 9), grid(1.0 / 2048, 2, 9), 30, 0.1, 0.01, 5, 1);
        }

        private static double[] grid(double lo, double factor, int n) {
            double[] g = new double[n];
            for (int i = 0; i < n; i++) {
                g[i] = lo * Math.pow(factor, i);
            }
            return g;
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mlpWidths", mlpWidths);
            m.put("inputDim", inputDim);
            m.put("classes", classes);
            m.put("samples", samples);
            m.put("tWidths", tWidths);
            m.put("ctx", ctx);
            m.put("vocab", vocab);
            m.put("tSamples", tSamples);
            m.put("text", text);
            m.put("gdLrs", gdLrs);
            m.put("adamLrs", adamLrs);
            m.put("steps", steps);
            m.put("coordGdLr", coordGdLr);
            m.put("coordAdamLr", coordAdamLr);
            m.put("coordSteps", coordSteps);
            m.put("seed", seed);
            return m;
        }
    }

    @Override
    public String name() {
        return "mup-transfer";
    }

    @Override
    public String tests() {
        return "muP keeps the loss-optimal learning rate fixed across widths (<= 2x), SP shifts it (>= 4x or diverges), "
                + "MLP and transformer, GD and Adam (Yang et al. 2021, Tensor Programs V)";
    }

    @Override
    public Config preset(Preset preset) {
        return preset == Preset.SMOKE ? Config.smoke() : Config.paper();
    }

    @Override
    public Config override(Config b, Overrides o) {
        return new Config(o.getInts("mlpWidths", b.mlpWidths()), o.getInt("inputDim", b.inputDim()),
                o.getInt("classes", b.classes()), o.getInt("samples", b.samples()), o.getInts("tWidths", b.tWidths()),
                o.getInt("ctx", b.ctx()), o.getInt("vocab", b.vocab()), o.getInt("tSamples", b.tSamples()),
                o.getString("text", b.text()), o.getDoubles("gdLrs", b.gdLrs()), o.getDoubles("adamLrs", b.adamLrs()),
                o.getInt("steps", b.steps()), o.getDouble("coordGdLr", b.coordGdLr()),
                o.getDouble("coordAdamLr", b.coordAdamLr()), o.getInt("coordSteps", b.coordSteps()), o.getLong("seed", b.seed()));
    }

    /** One architecture: builds the model at a width and holds its data and loss. */
    private record Arch(String name, int[] widths, DataSet data, Loss loss, java.util.function.IntFunction<Model> build) {
    }

    /** One training run's outcome: final loss (+∞ when diverged) and the RMS change of the outputs. */
    private record Run(double loss, double outputDelta) {
    }

    @Override
    public List<Verdict> run(Config c, ExperimentRun run) {
        List<Verdict> verdicts = new ArrayList<>();
        Examples mix = Generated.gaussianMixture(c.samples(), c.inputDim(), c.classes(), 3.0, c.seed()).oneHot(c.classes());
        DataSet mlpData = Data.of(mix, run.backend(), DType.F64);
        Arch mlp = new Arch("mlp", c.mlpWidths(), mlpData, Loss.MSE, n -> new Mlp(run.backend(), DType.F64,
                new int[] {c.inputDim(), n, n, c.classes()}, Activation.TANH, false, c.seed()));
        Examples txt = Catalog.load(c.text(), new Catalog.Request(c.tSamples(), 0, 0, c.ctx(), c.vocab(), c.seed(),
                RealData.defaultCache(), System.err));
        DataSet txtData = new ArrayDataSet(Tensor.indices(run.backend(), txt.x().toInts(), txt.x().shape()),
                Tensor.indices(run.backend(), txt.y().toInts(), txt.y().shape()));
        Arch tr = new Arch("transformer", c.tWidths(), txtData, Loss.CE, d -> new Transformer(run.backend(), DType.F64,
                new Transformer.Config(c.vocab(), c.ctx(), d, 1, 1, 4), false, c.seed()));
        for (Arch a : List.of(mlp, tr)) {
            for (boolean adam : new boolean[] {false, true}) {
                verdicts.addAll(sweep(c, run, a, adam));
            }
        }
        return verdicts;
    }

    private List<Verdict> sweep(Config c, ExperimentRun run, Arch a, boolean adam) {
        String opt = adam ? "adam" : "gd";
        double[] lrs = adam ? c.adamLrs() : c.gdLrs();
        Parameterization sp = Parameterization.sp();
        Parameterization mup = adam ? Parameterization.mupAdam() : Parameterization.mup();
        Map<String, double[]> best = new LinkedHashMap<>();
        Map<String, double[]> coord = new LinkedHashMap<>();
        LinePlot plot = LinePlot.titled(a.name() + ", " + opt + ": final train loss vs base learning rate").logX().logY()
                .xLabel("base learning rate").yLabel("train loss after " + c.steps() + " steps");
        for (Parameterization p : List.of(sp, mup)) {
            double[] opts = new double[a.widths().length];
            double[] deltas = new double[a.widths().length];
            for (int wi = 0; wi < a.widths().length; wi++) {
                int n = a.widths()[wi];
                double[] losses = new double[lrs.length];
                int arg = -1;
                for (int li = 0; li < lrs.length; li++) {
                    Run r = train(c, a, p, n, lrs[li], adam, c.steps());
                    losses[li] = r.loss();
                    if (Double.isFinite(r.loss()) && (arg < 0 || r.loss() < losses[arg])) {
                        arg = li;
                    }
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("arch", a.name());
                    m.put("optimizer", opt);
                    m.put("param", p.name());
                    m.put("width", n);
                    m.put("lr", lrs[li]);
                    m.put("loss", r.loss());
                    run.record(m);
                }
                opts[wi] = arg < 0 ? Double.NaN : lrs[arg];
                deltas[wi] = train(c, a, p, n, adam ? c.coordAdamLr() : c.coordGdLr(), adam, c.coordSteps()).outputDelta();
                run.log().printf(Locale.ROOT, "%s %s %s width %d: losses %s, optimal lr %s, coord output delta %.4g%n",
                        a.name(), opt, p.name(), n, Arrays.toString(Arrays.stream(losses).mapToObj(Verdict::num).toArray()), Verdict.num(opts[wi]), deltas[wi]);
                run.log().flush();
                double[] finite = Arrays.stream(losses).map(v -> Double.isFinite(v) ? v : Double.NaN).toArray();
                plot.series(p.name() + " n=" + n, lrs, finite);
            }
            best.put(p.name(), opts);
            coord.put(p.name(), deltas);
        }
        run.plot("mup-" + a.name() + "-" + opt + ".png", plot);
        double[] mo = best.get(mup.name());
        double[] so = best.get(sp.name());
        double mupShift = ratio(mo);
        double spShift = ratio(so);
        int wide = a.widths().length - 1;
        boolean spDiverges = Double.isFinite(mo[0]) && !Double.isFinite(train(c, a, sp, a.widths()[wide], mo[0], adam, c.steps()).loss());
        String key = a.name() + "-" + opt;
        double[] cm = coord.get(mup.name());
        double[] cs = coord.get(sp.name());
        double[] ws = Arrays.stream(a.widths()).asDoubleStream().toArray();
        double[] flat = new double[ws.length];
        double[] linear = new double[ws.length];
        for (int i = 0; i < ws.length; i++) {
            flat[i] = cm[0];
            linear[i] = cs[0] * ws[i] / ws[0];
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("arch", a.name());
            m.put("optimizer", opt);
            m.put("width", a.widths()[i]);
            m.put("coord_mup", cm[i]);
            m.put("coord_sp", cs[i]);
            run.record(m);
        }
        run.log().printf(Locale.ROOT, "%s %s coordinate check (RMS output change after %d steps): mup spread %.3f, "
                + "SP widest/narrowest %.3f%n", a.name(), opt, c.coordSteps(), spread(cm), growthOrInf(cs));
        run.plot("mup-coord-" + a.name() + "-" + opt + ".png", LinePlot.titled("Coordinate check, " + a.name() + ", " + opt
                        + ": RMS output change after " + c.coordSteps() + " steps").logX().logY().xLabel("width")
                .yLabel("RMS output change")
                .series(mup.name(), ws, cm).series("sp", ws, finiteOrNaN(cs))
                .series(mup.name() + " theory: width-independent", ws, flat)
                .series("sp theory: proportional to width", ws, linear));
        return List.of(
                Verdict.of(key + "-mup-shift", "max/min over widths " + Arrays.toString(a.widths()) + " of the loss-optimal "
                        + "lr under " + mup.name(), mupShift, 1, 1, MUP_SHIFT),
                Verdict.holds(key + "-sp-shift", String.format(Locale.ROOT, "SP optimal lr moves >= %sx across widths "
                        + "(measured %s) or SP diverges at the widest width at muP's base optimum (%s)",
                        Verdict.num(SP_SHIFT), Verdict.num(spShift), spDiverges), spShift >= SP_SHIFT || spDiverges));
    }

    private static double[] finiteOrNaN(double[] v) {
        return Arrays.stream(v).map(x -> Double.isFinite(x) ? x : Double.NaN).toArray();
    }

    private static double ratio(double[] v) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (double x : v) {
            if (!Double.isFinite(x)) {
                return Double.NaN;
            }
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        return hi / lo;
    }

    private static double spread(double[] v) {
        return ratio(v);
    }

    /** widest/narrowest; a non-finite widest (blown up) counts as +∞. */
    private static double growthOrInf(double[] v) {
        double w = v[v.length - 1];
        return Double.isFinite(w) ? w / v[0] : Double.POSITIVE_INFINITY;
    }

    private Run train(Config c, Arch a, Parameterization p, int n, double lr, boolean adam, int steps) {
        Model model = a.build().apply(n);
        Table t = p.resolve(Apply.infos(model), n / (double) a.widths()[0], 1);
        Apply.apply(t, model, c.seed());
        ModelObjective obj = new ModelObjective(model, a.loss(), a.data(), null, a.data().size(), 1e-3, 50);
        TrainConfig cfg = TrainConfig.gd(lr * p.alphaLrFactor(), steps);
        if (adam) {
            cfg = cfg.withOptimizer(Optimizer.Kind.ADAM, 1);
        }
        ParamVector w0 = ModelObjective.flatten(model);
        double[] out0 = outputs(obj, model, w0, a.data());
        Trainer.Result r = new Trainer(obj, cfg, List.of(), null, null).run(w0, t.lrMultipliers(), null);
        if (r.status() == Trainer.Status.DIVERGED) {
            return new Run(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
        }
        double[] out1 = outputs(obj, model, r.w(), a.data());
        double s = 0;
        for (int i = 0; i < out0.length; i++) {
            s += (out1[i] - out0[i]) * (out1[i] - out0[i]);
        }
        return new Run(r.loss(), Math.sqrt(s / out0.length));
    }

    private static double[] outputs(ModelObjective obj, Model model, ParamVector w, DataSet data) {
        obj.load(w);
        try (Scope _ = Scope.open()) {
            return model.forward(data.x(0, data.size())).toDoubles();
        }
    }
}
