package carnot.examples.experiments;

import carnot.engine.ParamVector;
import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.Tensor;
import carnot.science.observe.Evaluation;
import carnot.science.observe.FeatureObservable;
import carnot.science.optim.Optimizer;
import carnot.science.optim.Schedule;
import carnot.science.plot.LinePlot;
import carnot.science.train.ModelObjective;
import carnot.science.train.Observable;
import carnot.science.train.TrainConfig;
import carnot.science.train.Trainer;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The neural feature ansatz (Radhakrishnan, Beaglehole, Pandit &amp; Belkin, Science 2024): after training, the
 * first-layer Gram matrix of an MLP is proportional to the average gradient outer product of the network with
 * respect to its inputs, {@code W₁ᵀW₁ ∝ AGOP = (1/N) Σ_i ∇_x f(x_i) ∇_x f(x_i)ᵀ}, so the first layer learns the
 * target's relevant subspace. Target of rank 2 in d inputs: {@code y = x₁ x₂}, x ~ N(0, I_d). The correlation is
 * {@code ⟨AGOP, W₁ᵀW₁⟩_F / (‖AGOP‖_F ‖W₁ᵀW₁‖_F)} ({@link carnot.science.observe.Agop#alignment}), measured by
 * {@link FeatureObservable} on the training inputs.
 *
 * <p>Bands, stated before the run: the correlation at the end is ≥ 0.9 and above its value at init.
 */
public final class FeatureAnsatz implements Experiment<FeatureAnsatz.Config> {
    /** Band: correlation at the end at least this. */
    public static final double MIN_CORR = 0.9;

    /**
     * @param inputDim    d
     * @param samples     training samples
     * @param test        held-out samples
     * @param width       hidden width
     * @param initScale   the first layer's initial weights are multiplied by this (small = rich regime)
     * @param lr          AdamW rate
     * @param weightDecay AdamW decoupled weight decay
     * @param steps       full-batch AdamW steps
     * @param every       correlation measured every this many steps
     * @param seed        data and init seed
     */
    public record Config(int inputDim, int samples, int test, int width, double initScale, double lr, double weightDecay, long steps,
                         int every, long seed) implements Experiment.Config {
        public static Config smoke() {
            return new Config(10, 1024, 256, 64, 0.1, 0.01, 1.0, 200, 20, 1);
        }

        public static Config paper() {
            return new Config(20, 2000, 1000, 256, 0.1, 0.005, 2.0, 1000, 25, 1);
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("inputDim", inputDim);
            m.put("samples", samples);
            m.put("test", test);
            m.put("width", width);
            m.put("initScale", initScale);
            m.put("lr", lr);
            m.put("weightDecay", weightDecay);
            m.put("steps", steps);
            m.put("every", every);
            m.put("seed", seed);
            return m;
        }
    }

    @Override
    public String name() {
        return "nfa";
    }

    @Override
    public String tests() {
        return "neural feature ansatz on a rank-2 target: corr(W1^T W1, AGOP) >= 0.9 at the end and rising from init "
                + "(Radhakrishnan et al. 2024)";
    }

    @Override
    public Config preset(Preset preset) {
        return preset == Preset.SMOKE ? Config.smoke() : Config.paper();
    }

    @Override
    public Config override(Config c, Overrides o) {
        return new Config(o.getInt("inputDim", c.inputDim()), o.getInt("samples", c.samples()), o.getInt("test", c.test()),
                o.getInt("width", c.width()), o.getDouble("initScale", c.initScale()), o.getDouble("lr", c.lr()), o.getDouble("weightDecay", c.weightDecay()),
                o.getLong("steps", c.steps()), o.getInt("every", c.every()), o.getLong("seed", c.seed()));
    }

    /** x ~ N(0, I_d) [n, d], y = x₁x₂ [n, 1]. */
    static DataSet lowRank(Backend be, int n, int d, long seed) {
        if (d < 2) {
            throw new IllegalArgumentException("the rank-2 target needs inputDim >= 2; given " + d);
        }
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n * d];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = r.nextGaussian();
            }
            y[i] = x[i * d] * x[i * d + 1];
        }
        return new ArrayDataSet(Tensor.of(be, DType.F64, x, n, d), Tensor.of(be, DType.F64, y, n, 1));
    }

    @Override
    public List<Verdict> run(Config c, ExperimentRun run) {
        DataSet train = lowRank(run.backend(), c.samples(), c.inputDim(), c.seed());
        DataSet test = lowRank(run.backend(), c.test(), c.inputDim(), c.seed() + 7);
        Mlp mlp = new Mlp(run.backend(), DType.F64, new int[] {c.inputDim(), c.width(), 1}, Activation.RELU, true, c.seed());
        ModelObjective obj = new ModelObjective(mlp, Loss.MSE, train, test, train.size(), 1e-4, 50);
        TrainConfig tc = new TrainConfig(Optimizer.Kind.ADAMW, new Optimizer.Hyper(0.9, 0.9, 0.999, 1e-8, c.weightDecay()),
                Schedule.constant(c.lr()), c.steps(), 0, 0, 0, 1e6, 0, 0, 10);
        List<Observable> obs = List.of(new FeatureObservable(c.every(), mlp, obj, train, train.size()),
                new Evaluation(c.every(), obj.evaluationColumns()));
        ParamVector w0 = ModelObjective.flatten(mlp);
        carnot.engine.Tensor first = w0.get(0); // the first layer's weights, a view of w0
        first.backend().affine(first.buffer(), first.buffer(), first.size(), c.initScale(), 0);
        List<double[]> rows = new ArrayList<>();
        new Trainer(obj, tc, obs, null, rec -> {
            if (!rec.containsKey("agop_align")) {
                return;
            }
            long step = ((Number) rec.get("step")).longValue();
            double[] row = {step, (Double) rec.get("loss"), (Double) rec.get("test_loss"), (Double) rec.get("agop_align"),
                (Double) rec.get("feature_move")};
            rows.add(row);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("series", "nfa");
            m.put("step", step);
            m.put("loss", row[1]);
            m.put("test_loss", row[2]);
            m.put("agop_corr", row[3]);
            m.put("feature_move", row[4]);
            run.record(m);
            run.log().printf(Locale.ROOT, "step %6d  loss %.4g  test loss %.4g  corr(W1^T W1, AGOP) %.4f  feature move %.4g%n",
                    step, row[1], row[2], row[3], row[4]);
            run.log().flush();
        }).run(w0, null, null);
        double init = rows.getFirst()[3];
        double end = rows.getLast()[3];
        double[] steps = rows.stream().mapToDouble(r -> Math.max(1, r[0])).toArray();
        run.plot("nfa.png", LinePlot.titled("Neural feature ansatz: corr(W1^T W1, AGOP) vs step, target x1*x2")
                .xLabel("step").yLabel("correlation").logX()
                .series("measured corr", steps, rows.stream().mapToDouble(r -> r[3]).toArray())
                .series("ansatz (proportional): 1", new double[] {steps[0], steps[steps.length - 1]}, new double[] {1, 1})
                .series("band 0.9", new double[] {steps[0], steps[steps.length - 1]}, new double[] {MIN_CORR, MIN_CORR}));
        return List.of(
                Verdict.of("corr-end", "corr(W1^T W1, AGOP) at the end", end, 1, MIN_CORR, 1),
                Verdict.holds("corr-rising", String.format(Locale.ROOT, "corr at the end (%.4f) above corr at init (%.4f)",
                        end, init), end > init));
    }
}
