package carnot.examples.experiments;

import carnot.engine.ParamVector;
import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.Tensor;
import carnot.science.observe.Matrix;
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
import carnot.models.data.Examples;
import carnot.models.data.Generated;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Neural tangent kernel regime (Jacot, Gabriel and Hongler 2018; Lee et al. 2019): a wide MLP in NTK
 * parameterization trained by full-batch GD on MSE stays close to its linearization, so its test outputs are
 * predicted by kernel regression with the empirical NTK at init ({@link NtkKernel#predict}). For each width n,
 * averaged over seeds:
 * <ul>
 *   <li>e(n) = ‖f_net(X*) − f_ntk(X*)‖ / ‖f_ntk(X*) − f_0(X*)‖ (error relative to the predicted change of the test
 *       outputs); band e(n_max) ≤ 10 %;</li>
 *   <li>the relative weight movement ‖θ_T − θ_0‖ / ‖θ_0‖ ∝ n^{−1/2} (Lee et al. 2019): fitted log–log slope in
 *       [−0.65, −0.35];</li>
 *   <li>the relative kernel change ‖Θ_T − Θ_0‖_F / ‖Θ_0‖_F (Θ over train ∪ test) and e(n) ∝ n^{−1}: the first-order
 *       change of Θ is a sum over neurons of terms odd in the readout weights, which averages out, so the kernel
 *       moves and the network departs from its linearization at O(1/n) (Dyer and Gur-Ari 2020, ICLR; Huang and
 *       Yau 2020, ICML); fitted log–log slopes in [−1.15, −0.85]. (A slope of −1/2 for these two, which the
 *       bound ‖Θ_T − Θ_0‖ = O(n^{−1/2}) of Lee et al. 2019 allows, is measured against and reported as failing:
 *       see examples/EXPERIMENTS.md.)</li>
 * </ul>
 */
public final class Ntk implements Experiment<Ntk.Config> {

    /** Relative test-output error at the largest width. */
    static final double ERROR_BAND = 0.10;
    /** Predicted slope of log relative weight movement against log width. */
    static final double MOVE_SLOPE = -0.5;
    /** Predicted slope of log error and log kernel change against log width. */
    static final double SLOPE = -1.0;
    /** Half-width of the slope bands. */
    static final double SLOPE_TOL = 0.15;

    /**
     * @param inputDim   d
     * @param widths     hidden widths n, ascending
     * @param hidden     number of hidden layers
     * @param act        hidden activation
     * @param train      training samples N
     * @param test       test samples M
     * @param lr         GD step η
     * @param steps      GD steps T
     * @param baseWidth  base width n₀ of the NTK parameterization (multiplier (n/n₀)^{−1/2})
     * @param seeds      initializations per width (results averaged)
     * @param seed       data seed and first init seed
     */
    public record Config(int inputDim, int[] widths, int hidden, String act, int train, int test, double lr, long steps,
                         int baseWidth, int seeds, long seed) implements Experiment.Config {

        public Config {
            if (widths.length < 2 || hidden < 1 || seeds < 1) {
                throw new IllegalArgumentException("ntk needs >= 2 widths, >= 1 hidden layer and >= 1 seed; given "
                        + Arrays.toString(widths) + ", hidden=" + hidden + ", seeds=" + seeds);
            }
            Activation.parse(act);
        }

        /** Seconds: widths 256..2048, 1 hidden layer, 3 seeds. */
        public static Config smoke() {
            return new Config(4, new int[] {256, 512, 1024, 2048}, 1, "tanh", 16, 8, 0.1, 200, 64, 3, 1);
        }

        /** Widths 256..16384 (factor 2), 1 hidden layer, 4 seeds. */
        public static Config paper() {
            return new Config(8, new int[] {256, 512, 1024, 2048, 4096, 8192, 16384}, 1, "tanh", 32, 32, 0.1, 1000, 64,
                    4, 1);
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("inputDim", inputDim);
            m.put("widths", widths);
            m.put("hidden", hidden);
            m.put("act", act);
            m.put("train", train);
            m.put("test", test);
            m.put("lr", lr);
            m.put("steps", steps);
            m.put("baseWidth", baseWidth);
            m.put("seeds", seeds);
            m.put("seed", seed);
            return m;
        }
    }

    @Override
    public String name() {
        return "ntk";
    }

    @Override
    public String tests() {
        return "wide NTK-parameterized MLP under GD matches kernel regression with its empirical NTK at init; "
                + "error and kernel change fall as width^-1/2 (Jacot et al. 2018; Lee et al. 2019)";
    }

    @Override
    public Config preset(Preset preset) {
        return preset == Preset.SMOKE ? Config.smoke() : Config.paper();
    }

    @Override
    public Config override(Config b, Overrides o) {
        return new Config(o.getInt("inputDim", b.inputDim()), o.getInts("widths", b.widths()), o.getInt("hidden", b.hidden()),
                o.getString("act", b.act()), o.getInt("train", b.train()), o.getInt("test", b.test()),
                o.getDouble("lr", b.lr()), o.getLong("steps", b.steps()), o.getInt("baseWidth", b.baseWidth()),
                o.getInt("seeds", b.seeds()), o.getLong("seed", b.seed()));
    }

    /** One width, one seed. */
    record Point(double error, double kernelChange, double movement, double trainLoss, double etaLambda, double[] predicted, double[] trained) {
    }

    @Override
    public List<Verdict> run(Config c, ExperimentRun run) {
        int n = c.train();
        int m = c.test();
        Examples ex = Generated.teacherStudent(n + m, new int[] {c.inputDim(), 16, 1}, "tanh", 0.0, c.seed() + 1000);
        double[] xs = ex.x().toDoubles();
        double[] ys = ex.y().toDoubles();
        int d = c.inputDim();
        Tensor xTrain = Tensor.of(run.backend(), DType.F64, Arrays.copyOfRange(xs, 0, n * d), n, d);
        Tensor xTest = Tensor.of(run.backend(), DType.F64, Arrays.copyOfRange(xs, n * d, (n + m) * d), m, d);
        double[] y = Arrays.copyOfRange(ys, 0, n);
        DataSet data = new ArrayDataSet(xTrain, Tensor.of(run.backend(), DType.F64, y, n, 1));
        int k = c.widths().length;
        double[] err = new double[k];
        double[] change = new double[k];
        double[] width = new double[k];
        double[] move = new double[k];
        Point show = null;
        run.log().printf(Locale.ROOT, "%8s %12s %12s %12s %12s %12s %8s%n", "width", "rel_error", "kernel_change",
                "weight_move", "train_loss", "eta*lmax/N", "seconds");
        for (int w = 0; w < k; w++) {
            long t0 = System.nanoTime();
            double e = 0;
            double ch = 0;
            double mv = 0;
            double loss = 0;
            double el = 0;
            for (int s = 0; s < c.seeds(); s++) {
                Point p = point(c, c.widths()[w], c.seed() + s, data, xTrain, xTest, y, run);
                e += p.error() / c.seeds();
                ch += p.kernelChange() / c.seeds();
                mv += p.movement() / c.seeds();
                loss += p.trainLoss() / c.seeds();
                el = Math.max(el, p.etaLambda());
                if (w == k - 1 && s == 0) {
                    show = p;
                }
            }
            width[w] = c.widths()[w];
            err[w] = e;
            change[w] = ch;
            move[w] = mv;
            double sec = (System.nanoTime() - t0) * 1e-9;
            run.log().printf(Locale.ROOT, "%8d %12.5g %12.5g %12.5g %12.5g %12.4g %8.1f%n", c.widths()[w], e, ch, mv, loss,
                    el, sec);
            run.log().flush();
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("width", c.widths()[w]);
            rec.put("rel_error", e);
            rec.put("kernel_change", ch);
            rec.put("weight_move", mv);
            rec.put("train_loss", loss);
            rec.put("eta_lambda_max_over_n", el);
            run.record(rec);
        }
        Fits.Fit fe = fitOrNaN(width, err);
        Fits.Fit fk = fitOrNaN(width, change);
        Fits.Fit fm = fitOrNaN(width, move);
        run.log().printf(Locale.ROOT, "fit rel_error ~ n^%.4f (R^2 %.4f); kernel_change ~ n^%.4f (R^2 %.4f); "
                + "weight_move ~ n^%.4f (R^2 %.4f)%n", fe.slope(), fe.r2(), fk.slope(), fk.r2(), fm.slope(), fm.r2());
        plots(c, run, width, err, change, move, fe, fk, fm, show);
        return List.of(
                Verdict.of("test-error-largest-width", "||f_net(X*) - f_ntk(X*)|| / ||f_ntk(X*) - f_0(X*)|| at width "
                        + c.widths()[k - 1], err[k - 1], 0, 0, ERROR_BAND),
                Verdict.of("weight-move-slope", String.format(Locale.ROOT, "log-log slope of ||theta_T - theta_0||/"
                        + "||theta_0|| vs width (R^2 %.3f)", fm.r2()), fm.slope(), MOVE_SLOPE, MOVE_SLOPE - SLOPE_TOL,
                        MOVE_SLOPE + SLOPE_TOL),
                Verdict.of("error-slope", String.format(Locale.ROOT, "log-log slope of the relative test error vs width "
                        + "(R^2 %.3f)", fe.r2()), fe.slope(), SLOPE, SLOPE - SLOPE_TOL, SLOPE + SLOPE_TOL),
                Verdict.of("kernel-change-slope", String.format(Locale.ROOT, "log-log slope of ||Theta_T - Theta_0||/"
                        + "||Theta_0|| vs width (R^2 %.3f)", fk.r2()), fk.slope(), SLOPE, SLOPE - SLOPE_TOL, SLOPE + SLOPE_TOL));
    }

    private static Point point(Config c, int width, long seed, DataSet data, Tensor xTrain, Tensor xTest, double[] y,
                               ExperimentRun run) {
        int[] widths = new int[c.hidden() + 2];
        Arrays.fill(widths, width);
        widths[0] = c.inputDim();
        widths[widths.length - 1] = 1;
        Mlp model = new Mlp(run.backend(), DType.F64, widths, Activation.parse(c.act()), false, seed);
        Table table = Parameterization.ntp().resolve(Apply.infos(model), (double) width / c.baseWidth(), 1);
        Apply.apply(table, model, seed);
        double[] lrMult = table.lrMultipliers();
        int n = y.length;
        double[][] jTrain = NtkKernel.jacobian(model, xTrain);
        double[][] jTest = NtkKernel.jacobian(model, xTest);
        Matrix k0 = NtkKernel.kernel(jTrain, jTrain, lrMult);
        Matrix k0Test = NtkKernel.kernel(jTest, jTrain, lrMult);
        Matrix all0 = allKernel(jTrain, jTest, lrMult);
        double[] f0Train = NtkKernel.outputs(model, xTrain);
        double[] f0Test = NtkKernel.outputs(model, xTest);
        double[] predicted = NtkKernel.predict(k0, k0Test, f0Test, f0Train, y, c.lr(), c.steps());
        double etaLambda = c.lr() * k0.symmetricEigen().values()[0] / n;
        ModelObjective obj = new ModelObjective(model, Loss.MSE, data, null, n, 1e-6, 100);
        ParamVector init = ModelObjective.flatten(model);
        double[] w0 = init.toDoubles();
        Trainer.Result res = new Trainer(obj, TrainConfig.gd(c.lr(), c.steps()), List.of(), null, null)
                .run(init, lrMult, null);
        double[] rw = res.w().toDoubles();
        double dw = 0;
        double nw = 0;
        for (int i = 0; i < w0.length; i++) {
            dw += (rw[i] - w0[i]) * (rw[i] - w0[i]);
            nw += w0[i] * w0[i];
        }
        obj.load(res.w());
        double[] trained = NtkKernel.outputs(model, xTest);
        Matrix allT = allKernel(NtkKernel.jacobian(model, xTrain), NtkKernel.jacobian(model, xTest), lrMult);
        double num = 0;
        double den = 0;
        for (int i = 0; i < trained.length; i++) {
            num += (trained[i] - predicted[i]) * (trained[i] - predicted[i]);
            den += (predicted[i] - f0Test[i]) * (predicted[i] - f0Test[i]);
        }
        double change = allT.minus(all0).norm() / all0.norm();
        return new Point(Math.sqrt(num / den), change, Math.sqrt(dw / nw), res.loss(), etaLambda, predicted, trained);
    }

    /** The log–log fit, or a NaN fit (failing every band) when a point is not positive and finite. */
    static Fits.Fit fitOrNaN(double[] x, double[] y) {
        for (double v : y) {
            if (!(v > 0) || Double.isInfinite(v)) {
                return new Fits.Fit(Double.NaN, Double.NaN, Double.NaN, y.length);
            }
        }
        return Fits.loglog(x, y);
    }

    /** Θ over the rows of train then test. */
    private static Matrix allKernel(double[][] jTrain, double[][] jTest, double[] lrMult) {
        double[][] all = new double[jTrain.length + jTest.length][];
        System.arraycopy(jTrain, 0, all, 0, jTrain.length);
        System.arraycopy(jTest, 0, all, jTrain.length, jTest.length);
        return NtkKernel.kernel(all, all, lrMult);
    }

    private static void plots(Config c, ExperimentRun run, double[] width, double[] err, double[] change, double[] move,
                              Fits.Fit fe, Fits.Fit fk, Fits.Fit fm, Point show) {
        double[] fitE = new double[width.length];
        double[] fitK = new double[width.length];
        double[] fitM = new double[width.length];
        double[] inv = new double[width.length];
        double[] half = new double[width.length];
        for (int i = 0; i < width.length; i++) {
            fitE[i] = fe.powerAt(width[i]);
            fitK[i] = fk.powerAt(width[i]);
            fitM[i] = fm.powerAt(width[i]);
            inv[i] = change[0] * width[0] / width[i];
            half[i] = move[0] * Math.sqrt(width[0] / width[i]);
        }
        run.plot("ntk-width.png", LinePlot.titled("NTK: deviation from the kernel prediction vs width").logX().logY()
                .xLabel("width n").yLabel("relative deviation")
                .series("test-output error", width, err)
                .series(String.format(Locale.ROOT, "fit n^%.3f", fe.slope()), width, fitE)
                .series("kernel change", width, change)
                .series(String.format(Locale.ROOT, "fit n^%.3f", fk.slope()), width, fitK)
                .series("theory n^-1", width, inv)
                .series("weight movement", width, move)
                .series(String.format(Locale.ROOT, "fit n^%.3f", fm.slope()), width, fitM)
                .series("theory n^-1/2", width, half));
        double[] idx = new double[show.trained().length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double v : show.predicted()) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        run.plot("ntk-outputs.png", LinePlot.titled("NTK: trained vs kernel-predicted test outputs, width "
                        + c.widths()[c.widths().length - 1]).xLabel("kernel prediction f_ntk(x*)").yLabel("trained network f(x*)")
                .series("test points", sortedBy(show.predicted(), show.predicted()), sortedBy(show.predicted(), show.trained()))
                .series("theory y = x", new double[] {lo, hi}, new double[] {lo, hi}));
    }

    private static double[] sortedBy(double[] key, double[] v) {
        Integer[] order = new Integer[key.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(key[a], key[b]));
        double[] out = new double[v.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = v[order[i]];
        }
        return out;
    }
}
