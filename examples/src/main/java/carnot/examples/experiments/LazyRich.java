package carnot.examples.experiments;

import carnot.engine.ParamVector;
import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.Tensor;
import carnot.science.observe.Cka;
import carnot.science.observe.Matrix;
import carnot.science.param.OutputScaled;
import carnot.science.plot.LinePlot;
import carnot.science.train.ModelObjective;
import carnot.science.train.TrainConfig;
import carnot.science.train.Trainer;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Lazy versus rich training (Chizat, Oyallon and Bach 2019, "On lazy training in differentiable programming"): the
 * centered model g = α·(f(w) − f(w₀)) trained by GD on ℓ(g)/α² (rate η/α², {@link OutputScaled}) has, to first order
 * in 1/α, the same function-space dynamics for every α, so the weights travel ‖w_T − w₀‖ ∝ 1/α (large α: lazy,
 * kernel regime); small α lets the features move and learn the teacher's low-dimensional structure (rich regime).
 * Teacher: multi-index y = x₁x₂ on x ~ N(0, I_d) (a function of the 2-dimensional subspace span(e₁, e₂)). Laws:
 * <ul>
 *   <li>relative weight movement ‖w_T − w₀‖/‖w₀‖ ∝ α^{−1}: fitted log–log slope in [−1.1, −0.9];</li>
 *   <li>first-layer alignment A = ‖W₁P‖²_F / ‖W₁‖²_F (P the projector on the teacher subspace; k/d at a random init)
 *       is larger at the smallest α than at the largest;</li>
 *   <li>the test loss is lower at the smallest α than at the largest.</li>
 * </ul>
 * Also reported (no band): the linear CKA between the hidden features at init and after training on test inputs,
 * which tends to 1 in the lazy limit.
 */
public final class LazyRich implements Experiment<LazyRich.Config> {

    /** Predicted slope of log movement against log α. */
    static final double SLOPE = -1.0;
    /** Half-width of the slope band. */
    static final double SLOPE_TOL = 0.1;

    /**
     * @param inputDim d (the teacher uses the first two coordinates)
     * @param width    student hidden width (one tanh hidden layer with biases)
     * @param train    training samples
     * @param test     test samples
     * @param alphas   output multipliers α, ascending, spanning ≥ 2 decades
     * @param lr       largest function-space GD rate η
     * @param lrPerAlpha the rate at α is η_α = min(η, lrPerAlpha·α) (the weights move by O(η_α/α) per step, so small α
     *                 needs a proportionally smaller step); the run uses η_α/α² on ℓ(g)
     * @param time     function-space training time T = η_α · steps, the same for every α
     * @param seed     data and init seed
     */
    public record Config(int inputDim, int width, int train, int test, double[] alphas, double lr, double lrPerAlpha,
                         double time, long seed) implements Experiment.Config {

        public Config {
            if (inputDim < 2 || alphas.length < 2) {
                throw new IllegalArgumentException("lazy-rich needs inputDim >= 2 and >= 2 alphas; given " + inputDim + ", "
                        + Arrays.toString(alphas));
            }
            for (int i = 1; i < alphas.length; i++) {
                if (!(alphas[i] > alphas[i - 1])) {
                    throw new IllegalArgumentException("lazy-rich alphas must be ascending; given " + Arrays.toString(alphas));
                }
            }
        }

        /** Seconds: d = 8, width 64, α from 0.3 to 30 (2 decades). */
        public static Config smoke() {
            return new Config(8, 64, 128, 256, new double[] {0.3, 1, 3, 10, 30}, 0.02, 0.1, 40, 1);
        }

        /** d = 16, width 128, α from 0.1 to 100 (3 decades). */
        public static Config paper() {
            return new Config(16, 128, 384, 2048, new double[] {0.1, 0.3, 1, 3, 10, 30, 100}, 0.01, 0.1, 40, 1);
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("inputDim", inputDim);
            m.put("width", width);
            m.put("train", train);
            m.put("test", test);
            m.put("alphas", alphas);
            m.put("lr", lr);
            m.put("lrPerAlpha", lrPerAlpha);
            m.put("time", time);
            m.put("seed", seed);
            return m;
        }
    }

    @Override
    public String name() {
        return "lazy-rich";
    }

    @Override
    public String tests() {
        return "centered output scale alpha with lr/alpha^2: weight movement ~ 1/alpha, features align with a multi-index "
                + "teacher and generalize better at small alpha (Chizat, Oyallon, Bach 2019)";
    }

    @Override
    public Config preset(Preset preset) {
        return preset == Preset.SMOKE ? Config.smoke() : Config.paper();
    }

    @Override
    public Config override(Config b, Overrides o) {
        return new Config(o.getInt("inputDim", b.inputDim()), o.getInt("width", b.width()), o.getInt("train", b.train()),
                o.getInt("test", b.test()), o.getDoubles("alphas", b.alphas()), o.getDouble("lr", b.lr()),
                o.getDouble("lrPerAlpha", b.lrPerAlpha()), o.getDouble("time", b.time()), o.getLong("seed", b.seed()));
    }

    /** x ~ N(0, I_d) [n, d] and y = x₁x₂ [n, 1], from {@code seed}. */
    static double[][] teacher(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n * d];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = r.nextGaussian();
            }
            y[i] = x[i * d] * x[i * d + 1];
        }
        return new double[][] {x, y};
    }

    /** A = ‖W P‖²_F / ‖W‖²_F for W [width, d] row-major and P the projector on the first two coordinates. */
    static double alignment(double[] w, int width, int d) {
        double in = 0;
        double all = 0;
        for (int i = 0; i < width; i++) {
            for (int j = 0; j < d; j++) {
                double v = w[i * d + j];
                all += v * v;
                if (j < 2) {
                    in += v * v;
                }
            }
        }
        return in / all;
    }

    /**
     * Hidden features tanh(X W₁ᵀ + b₁) [n, width] of the first {@code n} rows of x [*, d], with W₁ and b₁ the first two
     * entries of the flat weights (layers.0.weight [width, d], layers.0.bias [width]).
     */
    static Matrix features(double[] w, double[] x, int n, int width, int d) {
        double[] h = new double[n * width];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < width; j++) {
                double z = w[width * d + j];
                for (int k = 0; k < d; k++) {
                    z += w[j * d + k] * x[i * d + k];
                }
                h[i * width + j] = Math.tanh(z);
            }
        }
        return new Matrix(n, width, h);
    }

    @Override
    public List<Verdict> run(Config c, ExperimentRun run) {
        int d = c.inputDim();
        double[][] tr = teacher(c.train(), d, c.seed());
        double[][] te = teacher(c.test(), d, c.seed() + 7919);
        DataSet data = new ArrayDataSet(Tensor.of(run.backend(), DType.F64, tr[0], c.train(), d),
                Tensor.of(run.backend(), DType.F64, tr[1], c.train(), 1));
        Tensor xTest = Tensor.of(run.backend(), DType.F64, te[0], c.test(), d);
        int k = c.alphas().length;
        double[] move = new double[k];
        double[] align = new double[k];
        double[] testLoss = new double[k];
        double[] trainLoss = new double[k];
        double[] cka = new double[k];
        int probe = Math.min(512, c.test());
        double align0 = Double.NaN;
        double testLoss0 = 0;
        for (double v : te[1]) {
            testLoss0 += 0.5 * v * v / c.test();
        }
        run.log().printf(Locale.ROOT, "%8s %12s %12s %12s %12s %10s %10s %8s%n", "alpha", "weight_move", "alignment",
                "train_loss", "test_loss", "cka_init", "status", "seconds");
        for (int a = 0; a < k; a++) {
            long t0 = System.nanoTime();
            double alpha = c.alphas()[a];
            Mlp mlp = new Mlp(run.backend(), DType.F64, new int[] {d, c.width(), 1}, Activation.TANH, true, c.seed());
            OutputScaled model = new OutputScaled(mlp, alpha, true);
            ModelObjective obj = new ModelObjective(model, Loss.MSE, data, null, data.size(), 1e-6, 100);
            ParamVector init = ModelObjective.flatten(model);
            double[] w0 = init.toDoubles();
            align0 = alignment(w0, c.width(), d);
            double eta = Math.min(c.lr(), c.lrPerAlpha() * alpha);
            long steps = (long) Math.ceil(c.time() / eta);
            Trainer.Result res = new Trainer(obj, TrainConfig.gd(eta / (alpha * alpha), steps), List.of(), null, null)
                    .run(init, null, null);
            double[] rw = res.w().toDoubles();
            double dw = 0;
            double nw = 0;
            for (int i = 0; i < w0.length; i++) {
                dw += (rw[i] - w0[i]) * (rw[i] - w0[i]);
                nw += w0[i] * w0[i];
            }
            move[a] = Math.sqrt(dw / nw);
            align[a] = alignment(rw, c.width(), d); // layers.0.weight [width, d] comes first
            obj.load(res.w());
            double[] out = NtkKernel.outputs(model, xTest);
            double tl = 0;
            for (int i = 0; i < out.length; i++) {
                tl += 0.5 * (out[i] - te[1][i]) * (out[i] - te[1][i]) / c.test();
            }
            testLoss[a] = tl;
            trainLoss[a] = res.loss();
            cka[a] = Cka.linear(features(w0, te[0], probe, c.width(), d), features(rw, te[0], probe, c.width(), d));
            double sec = (System.nanoTime() - t0) * 1e-9;
            run.log().printf(Locale.ROOT, "%8.4g %12.5g %12.5f %12.5g %12.5g %10.6f %10s %8.1f%n", alpha, move[a],
                    align[a], res.loss(), tl, cka[a], res.status(), sec);
            run.log().flush();
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("alpha", alpha);
            rec.put("weight_move", move[a]);
            rec.put("alignment", align[a]);
            rec.put("train_loss", res.loss());
            rec.put("test_loss", tl);
            rec.put("cka_init", cka[a]);
            rec.put("status", res.status().toString());
            run.record(rec);
        }
        run.log().printf(Locale.ROOT, "alignment at init %.5f (k/d = %.5f); test loss of the zero predictor %.5g%n", align0,
                2.0 / d, testLoss0);
        Fits.Fit fit = Ntk.fitOrNaN(c.alphas(), move);
        run.log().printf(Locale.ROOT, "fit weight_move ~ alpha^%.4f (R^2 %.4f)%n", fit.slope(), fit.r2());
        plots(c, run, move, align, testLoss, trainLoss, cka, fit, align0);
        return List.of(
                Verdict.of("movement-slope", String.format(Locale.ROOT, "log-log slope of ||w_T - w_0||/||w_0|| vs alpha "
                        + "(R^2 %.3f)", fit.r2()), fit.slope(), SLOPE, SLOPE - SLOPE_TOL, SLOPE + SLOPE_TOL),
                Verdict.holds("alignment-rich-vs-lazy", String.format(Locale.ROOT, "first-layer alignment with span(e1,e2): "
                        + "%.4f at alpha=%.3g > %.4f at alpha=%.3g", align[0], c.alphas()[0], align[k - 1], c.alphas()[k - 1]),
                        align[0] > align[k - 1]),
                Verdict.holds("test-loss-rich-vs-lazy", String.format(Locale.ROOT, "test loss %.4g at alpha=%.3g < %.4g at "
                        + "alpha=%.3g", testLoss[0], c.alphas()[0], testLoss[k - 1], c.alphas()[k - 1]),
                        testLoss[0] < testLoss[k - 1]));
    }

    private static void plots(Config c, ExperimentRun run, double[] move, double[] align, double[] testLoss,
                              double[] trainLoss, double[] cka, Fits.Fit fit, double align0) {
        double[] alphas = c.alphas();
        int k = alphas.length;
        double[] theory = new double[k];
        double[] fitted = new double[k];
        for (int i = 0; i < k; i++) {
            theory[i] = move[k - 1] * alphas[k - 1] / alphas[i];
            fitted[i] = fit.powerAt(alphas[i]);
        }
        run.plot("lazy-rich-movement.png", LinePlot.titled("Lazy vs rich: relative weight movement vs alpha").logX().logY()
                .xLabel("output scale alpha").yLabel("||w_T - w_0|| / ||w_0||")
                .series("measured", alphas, move)
                .series(String.format(Locale.ROOT, "fit alpha^%.3f", fit.slope()), alphas, fitted)
                .series("theory alpha^-1 (through the lazy end)", alphas, theory));
        double[] initLine = new double[k];
        Arrays.fill(initLine, align0);
        run.plot("lazy-rich-features.png", LinePlot.titled("Lazy vs rich: feature alignment and losses vs alpha").logX()
                .xLabel("output scale alpha").yLabel("value")
                .series("alignment ||W1 P||^2/||W1||^2", alphas, align)
                .series("alignment at init", alphas, initLine)
                .series("test loss", alphas, testLoss)
                .series("train loss", alphas, trainLoss)
                .series("CKA(features at init, trained)", alphas, cka));
    }
}
