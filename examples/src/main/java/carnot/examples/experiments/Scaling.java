package carnot.examples.experiments;

import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.science.observe.Evaluation;
import carnot.science.optim.Optimizer;
import carnot.science.optim.Schedule;
import carnot.science.plot.LinePlot;
import carnot.science.train.ModelObjective;
import carnot.science.train.TrainConfig;
import carnot.science.train.Trainer;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;
import carnot.models.data.Examples;
import carnot.models.data.Generated;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Neural scaling laws of the solvable linear random-feature model ({@link RandomFeatureTheory}: Maloney, Roberts
 * &amp; Sully 2022; Bordelon, Atanasov &amp; Pehlevan 2024; Paquette et al. 2024). On power-law data (λ_k = k^{−a},
 * c_k² = k^{−b}) the test loss, solved exactly by least squares, falls as {@code L ∝ N^{−min(b−1, a)}} in the number
 * of random features N at infinite data (population least squares) and as {@code L ∝ D^{−min(b−1, 2a)}} in the
 * number of samples D at infinite width (ridgeless minimum-norm regression on the inputs).
 *
 * <p>Bands, stated before the run: each log–log fit of the seed-averaged loss has R² ≥ 0.98 and its exponent is
 * within 10 % of the asymptotic theory value. Also measured and reported (no law stated, so not banded): the
 * test-loss-vs-samples exponent of a nonlinear tanh MLP trained by full-batch Adam on a tanh teacher.
 */
public final class Scaling implements Experiment<Scaling.Config> {
    /** Band: R² of every banded fit at least this. */
    public static final double MIN_R2 = 0.98;
    /** Band: relative deviation of a fitted exponent from theory at most this. */
    public static final double REL_TOL = 0.10;

    /**
     * @param a          capacity exponent (λ_k = k^−a)
     * @param b          target exponent (c_k² = k^−b)
     * @param dim        latent dimension M (≫ the largest N and D)
     * @param features   feature counts N for L(N)
     * @param samples    sample counts D for L(D)
     * @param seeds      draws averaged per point
     * @param mlpSamples training-set sizes of the MLP curve
     * @param mlpDim     teacher input dimension
     * @param mlpWidth   student hidden width
     * @param mlpSteps   Adam steps per MLP run
     * @param mlpLr      Adam rate
     * @param mlpTest    held-out samples of the MLP curve
     * @param seed       base seed
     * @param mlpData    data of the MLP curve: {@code teacher} (tanh teacher, MSE, MLP mlpDim-mlpWidth-1) or
     *                   {@code fashion-mnist} (class-balanced Fashion-MNIST images, cross-entropy, MLP 784-mlpWidth-10;
     *                   sizes multiples of 10, held-out images from the test set)
     */
    public record Config(double a, double b, int dim, int[] features, int[] samples, int seeds, int[] mlpSamples,
                         int mlpDim, int mlpWidth, long mlpSteps, double mlpLr, int mlpTest, long seed,
                         String mlpData)
            implements Experiment.Config {
        public static Config smoke() {
            return new Config(1.5, 3.0, 4096, new int[] {32, 45, 64, 90, 128, 181, 256},
                    new int[] {32, 45, 64, 90, 128, 181, 256}, 6, new int[] {32, 64, 128, 256}, 8, 64, 200, 0.01, 512, 1, "teacher");
        }

        public static Config paper() {
            return new Config(1.5, 3.0, 16384, new int[] {32, 45, 64, 90, 128, 181, 256, 362, 512},
                    new int[] {32, 45, 64, 90, 128, 181, 256, 362, 512}, 8,
                    new int[] {60, 120, 250, 500, 1000, 2000, 4000}, 8, 128, 1000, 0.002, 2000, 1, "fashion-mnist");
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("a", a);
            m.put("b", b);
            m.put("dim", dim);
            m.put("features", features);
            m.put("samples", samples);
            m.put("seeds", seeds);
            m.put("mlpSamples", mlpSamples);
            m.put("mlpDim", mlpDim);
            m.put("mlpWidth", mlpWidth);
            m.put("mlpSteps", mlpSteps);
            m.put("mlpLr", mlpLr);
            m.put("mlpTest", mlpTest);
            m.put("seed", seed);
            m.put("mlpData", mlpData);
            return m;
        }
    }

    @Override
    public String name() {
        return "scaling";
    }

    @Override
    public String tests() {
        return "random-feature regression on power-law data: L ~ N^-min(b-1,a), L ~ D^-min(b-1,2a) "
                + "(Maloney, Roberts & Sully 2022; Bordelon, Atanasov & Pehlevan 2024); plus an MLP data-scaling curve";
    }

    @Override
    public Config preset(Preset preset) {
        return preset == Preset.SMOKE ? Config.smoke() : Config.paper();
    }

    @Override
    public Config override(Config c, Overrides o) {
        return new Config(o.getDouble("a", c.a()), o.getDouble("b", c.b()), o.getInt("dim", c.dim()),
                o.getInts("features", c.features()), o.getInts("samples", c.samples()), o.getInt("seeds", c.seeds()),
                o.getInts("mlpSamples", c.mlpSamples()), o.getInt("mlpDim", c.mlpDim()),
                o.getInt("mlpWidth", c.mlpWidth()), o.getLong("mlpSteps", c.mlpSteps()), o.getDouble("mlpLr", c.mlpLr()),
                o.getInt("mlpTest", c.mlpTest()), o.getLong("seed", c.seed()),
                o.getString("mlpData", c.mlpData()));
    }

    @Override
    public List<Verdict> run(Config c, ExperimentRun run) {
        double[] lambda = RandomFeatureTheory.eigenvalues(c.a(), c.dim());
        double[] c2 = RandomFeatureTheory.targetPower(c.b(), c.dim());
        double nuN = RandomFeatureTheory.featureExponent(c.a(), c.b());
        double nuD = RandomFeatureTheory.dataExponent(c.a(), c.b());
        run.log().printf(Locale.ROOT, "scaling: a=%.3g b=%.3g M=%d; theory nu_N = min(b-1, a) = %.4g, nu_D = min(b-1, 2a) = %.4g%n",
                c.a(), c.b(), c.dim(), nuN, nuD);
        double[] lossN = new double[c.features().length];
        double[] theoryN = new double[lossN.length];
        for (int i = 0; i < lossN.length; i++) {
            int n = c.features()[i];
            for (int s = 0; s < c.seeds(); s++) {
                lossN[i] += featureLoss(run.backend(), lambda, c2, n, c.seed() * 1_000_003L + 7919L * s + n) / c.seeds();
            }
            theoryN[i] = RandomFeatureTheory.lossFeatures(lambda, c2, n);
            row(run, "features", n, lossN[i], theoryN[i]);
        }
        double[] lossD = new double[c.samples().length];
        double[] theoryD = new double[lossD.length];
        for (int i = 0; i < lossD.length; i++) {
            int d = c.samples()[i];
            for (int s = 0; s < c.seeds(); s++) {
                lossD[i] += dataLoss(run.backend(), lambda, c2, d, c.seed() * 2_000_003L + 7919L * s + d) / c.seeds();
            }
            theoryD[i] = RandomFeatureTheory.lossData(lambda, c2, d);
            row(run, "samples", d, lossD[i], theoryD[i]);
        }
        double[] ns = toDoubles(c.features());
        double[] ds = toDoubles(c.samples());
        Fits.Fit fitN = Fits.loglog(ns, lossN);
        Fits.Fit fitD = Fits.loglog(ds, lossD);
        Fits.Fit eqN = Fits.loglog(ns, theoryN);
        Fits.Fit eqD = Fits.loglog(ds, theoryD);
        run.log().printf(Locale.ROOT, "L(N): fitted exponent %.4f (R^2 %.5f), theory %.4f, deterministic equivalent over "
                + "the same range %.4f%n", -fitN.slope(), fitN.r2(), nuN, -eqN.slope());
        run.log().printf(Locale.ROOT, "L(D): fitted exponent %.4f (R^2 %.5f), theory %.4f, deterministic equivalent over "
                + "the same range %.4f%n", -fitD.slope(), fitD.r2(), nuD, -eqD.slope());

        double[] mlpLoss = mlpCurve(c, run);
        double[] ms = toDoubles(c.mlpSamples());
        Fits.Fit fitM = Fits.loglog(ms, mlpLoss);
        run.log().printf(Locale.ROOT, "MLP %s: test loss ~ D^-%.4f (R^2 %.5f), reported%n", mlpLabel(c), -fitM.slope(),
                fitM.r2());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("series", "fits");
        m.put("nu_N", -fitN.slope());
        m.put("r2_N", fitN.r2());
        m.put("nu_D", -fitD.slope());
        m.put("r2_D", fitD.r2());
        m.put("nu_mlp", -fitM.slope());
        m.put("r2_mlp", fitM.r2());
        run.record(m);

        run.plot("scaling.png", LinePlot.titled(String.format(Locale.ROOT,
                        "Random-feature scaling, a=%.3g b=%.3g: test loss vs N (D=inf) and vs D (N=inf)", c.a(), c.b()))
                .xLabel("N or D").yLabel("test loss").logX().logY()
                .series("L(N) measured", ns, lossN)
                .series(String.format(Locale.ROOT, "theory N^-%.3g", nuN), ns, powerThrough(ns, theoryN, nuN))
                .series("L(N) deterministic equivalent", ns, theoryN)
                .series("L(D) measured", ds, lossD)
                .series(String.format(Locale.ROOT, "theory D^-%.3g", nuD), ds, powerThrough(ds, theoryD, nuD))
                .series("L(D) deterministic equivalent", ds, theoryD));
        double[] fitLine = new double[ms.length];
        for (int i = 0; i < ms.length; i++) {
            fitLine[i] = fitM.powerAt(ms[i]);
        }
        run.plot("scaling_mlp.png", LinePlot.titled(String.format(Locale.ROOT,
                        "MLP %s: test loss vs samples (fit D^-%.3g, R^2 %.3f)", mlpLabel(c), -fitM.slope(), fitM.r2()))
                .xLabel("training samples D").yLabel("test loss").logX().logY()
                .series("measured", ms, mlpLoss).series("power-law fit", ms, fitLine));
        return List.of(
                Verdict.of("features-r2", "R^2 of the log-log fit of L(N)", fitN.r2(), 1, MIN_R2, 1),
                Verdict.of("features-exponent", "fitted exponent of L(N) ~ N^-nu (D = inf)", -fitN.slope(), nuN,
                        nuN * (1 - REL_TOL), nuN * (1 + REL_TOL)),
                Verdict.of("samples-r2", "R^2 of the log-log fit of L(D)", fitD.r2(), 1, MIN_R2, 1),
                Verdict.of("samples-exponent", "fitted exponent of L(D) ~ D^-nu (N = inf, ridgeless)", -fitD.slope(), nuD,
                        nuD * (1 - REL_TOL), nuD * (1 + REL_TOL)));
    }

    private static void row(ExperimentRun run, String series, int n, double loss, double theory) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("series", series);
        m.put("n", n);
        m.put("loss", loss);
        m.put("theory", theory);
        run.record(m);
        run.log().printf(Locale.ROOT, "%-8s %6d  loss %.5g  deterministic equivalent %.5g%n", series, n, loss, theory);
        run.log().flush();
    }

    /** The line C·x^−ν through the middle point of (x, y). */
    private static double[] powerThrough(double[] x, double[] y, double nu) {
        int mid = x.length / 2;
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = y[mid] * Math.pow(x[i] / x[mid], -nu);
        }
        return out;
    }

    /**
     * Test loss of N Gaussian random features at infinite data: with A = F·diag(√λ) (N x M) the population normal
     * equations are {@code (AAᵀ) v = A c}, and {@code L = Σ c_k² − (Ac)ᵀ (AAᵀ)⁻¹ (Ac)}.
     */
    static double featureLoss(Backend be, double[] lambda, double[] c2, int n, long seed) {
        int m = lambda.length;
        double[] a = gaussian(n, m, seed);
        scaleColumns(a, n, m, lambda);
        double[] c = sqrt(c2);
        double[] g;
        double[] h;
        try (Scope _ = Scope.open()) {
            Tensor at = Tensor.of(be, DType.F64, a, n, m);
            g = at.matmul(at, false, true).toDoubles();
            h = at.matmul(Tensor.of(be, DType.F64, c, m, 1)).toDoubles();
        }
        double[] v = RandomFeatureTheory.solveSpd(g, n, h);
        double total = 0;
        for (double x : c2) {
            total += x;
        }
        double fit = 0;
        for (int i = 0; i < n; i++) {
            fit += h[i] * v[i];
        }
        return total - fit;
    }

    /**
     * Test loss of ridgeless regression on D samples X = Z·diag(√λ), y = Z c: the minimum-norm fit
     * {@code w = Xᵀ(XXᵀ)⁻¹y} has {@code L = Σ_k (√λ_k w_k − c_k)²}.
     */
    static double dataLoss(Backend be, double[] lambda, double[] c2, int d, long seed) {
        int m = lambda.length;
        double[] z = gaussian(d, m, seed);
        double[] c = sqrt(c2);
        double[] y = new double[d];
        for (int i = 0; i < d; i++) {
            double s = 0;
            for (int k = 0; k < m; k++) {
                s += z[i * m + k] * c[k];
            }
            y[i] = s;
        }
        scaleColumns(z, d, m, lambda);
        double[] kk;
        try (Scope _ = Scope.open()) {
            Tensor xt = Tensor.of(be, DType.F64, z, d, m);
            kk = xt.matmul(xt, false, true).toDoubles();
        }
        double[] alpha = RandomFeatureTheory.solveSpd(kk, d, y);
        double[] w = new double[m];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < m; k++) {
                w[k] += z[i * m + k] * alpha[i];
            }
        }
        double loss = 0;
        for (int k = 0; k < m; k++) {
            double e = Math.sqrt(lambda[k]) * w[k] - c[k];
            loss += e * e;
        }
        return loss;
    }

    private static String mlpLabel(Config c) {
        return c.mlpData().equals("teacher") ? String.format(Locale.ROOT, "%d-%d-1 tanh on a tanh teacher", c.mlpDim(),
                c.mlpWidth()) : String.format(Locale.ROOT, "784-%d-10 tanh on Fashion-MNIST (cross-entropy)", c.mlpWidth());
    }

    /**
     * Held-out loss of a tanh MLP trained by full-batch Adam on the first D samples of a tanh teacher (MSE, f64), or
     * on D class-balanced Fashion-MNIST training images (cross-entropy on the test images, f32).
     */
    private static double[] mlpCurve(Config c, ExperimentRun run) {
        boolean fashion = switch (c.mlpData()) {
            case "teacher" -> false;
            case "fashion-mnist" -> true;
            default -> throw new IllegalArgumentException("--set mlpData must be teacher or fashion-mnist; given '"
                    + c.mlpData() + "'");
        };
        int max = Arrays.stream(c.mlpSamples()).max().orElseThrow();
        DType dt = fashion ? DType.F32 : DType.F64;
        Examples all = fashion ? null : Generated.teacherStudent(max + c.mlpTest(), new int[] {c.mlpDim(), 2 * c.mlpDim(), 1},
                "tanh", 0.0, c.seed());
        DataSet test;
        if (fashion) {
            test = Data.of(Universality.fashion(c.mlpTest(), true, c.seed(), System.err), run.backend(), dt);
        } else {
            int[] testIdx = new int[c.mlpTest()];
            Arrays.setAll(testIdx, i -> max + i);
            test = Data.of(all.select(testIdx), run.backend(), dt);
        }
        int[] widths = fashion ? new int[] {784, c.mlpWidth(), 10} : new int[] {c.mlpDim(), c.mlpWidth(), 1};
        double[] loss = new double[c.mlpSamples().length];
        for (int i = 0; i < loss.length; i++) {
            int d = c.mlpSamples()[i];
            DataSet train = Data.of(fashion ? Universality.fashion(d, false, c.seed(), System.err) : all.first(d),
                    run.backend(), dt);
            Mlp mlp = new Mlp(run.backend(), dt, widths, Activation.TANH, true, c.seed() + 1);
            ModelObjective obj = new ModelObjective(mlp, fashion ? Loss.CE : Loss.MSE, train, test, Math.max(d, c.mlpTest()),
                    1e-4, 50);
            TrainConfig tc = TrainConfig.gd(c.mlpLr(), c.mlpSteps()).withOptimizer(Optimizer.Kind.ADAM, 0);
            Map<String, Object> last = new LinkedHashMap<>();
            new Trainer(obj, tc, List.of(new Evaluation((int) c.mlpSteps(), obj.evaluationColumns())), null, last::putAll)
                    .run(ModelObjective.flatten(mlp), null, null);
            loss[i] = ((Number) last.get("test_loss")).doubleValue();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("series", "mlp");
            m.put("n", d);
            m.put("train_loss", last.get("loss"));
            m.put("loss", loss[i]);
            run.record(m);
            run.log().printf(Locale.ROOT, "mlp      %6d  train loss %.4g  test loss %.5g%n", d, last.get("loss"), loss[i]);
            run.log().flush();
        }
        return loss;
    }

    private static double[] gaussian(int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] a = new double[rows * cols];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextGaussian();
        }
        return a;
    }

    private static void scaleColumns(double[] a, int rows, int cols, double[] lambda) {
        double[] s = sqrt(lambda);
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < cols; k++) {
                a[i * cols + k] *= s[k];
            }
        }
    }

    private static double[] sqrt(double[] v) {
        double[] s = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            s[i] = Math.sqrt(v[i]);
        }
        return s;
    }

    private static double[] toDoubles(int[] v) {
        return Arrays.stream(v).asDoubleStream().toArray();
    }
}
