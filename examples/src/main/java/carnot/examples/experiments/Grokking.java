package carnot.examples.experiments;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.Param;
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
import carnot.models.Transformer;
import carnot.models.data.Examples;
import carnot.models.data.Generated;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Grokking (Power et al. 2022) and its Fourier mechanism (Nanda et al. 2023): a small transformer trained by
 * full-batch AdamW with weight decay on a fraction of the table a + b mod p first fits the training pairs, and only
 * much later generalizes to the held-out pairs; by then the token embedding is concentrated on a few frequencies
 * of the DFT over the token index.
 *
 * <p>Laws and bands, stated before the run: with t_train the first evaluated step with train accuracy ≥ 99 % and
 * t_test the first with held-out accuracy ≥ 95 %, {@code t_test / t_train ≥ 10} (NaN, a failure, when either is
 * never reached); the share of the embedding's energy on its top {@code topK} frequency groups
 * ({@link #fourierShare}) is ≥ 0.8 at the end and below 0.8 at init.
 */
public final class Grokking implements Experiment<Grokking.Config> {
    /** Train accuracy that counts as memorized. */
    public static final double TRAIN_ACC = 0.99;
    /** Held-out accuracy that counts as generalized. */
    public static final double TEST_ACC = 0.95;
    /** Band: t_test / t_train at least this. */
    public static final double MIN_DELAY = 10;
    /** Band: top-k Fourier energy share at the end at least this, at init below it. */
    public static final double MIN_SHARE = 0.8;

    /**
     * @param p             modulus (prime)
     * @param trainFraction fraction of the p² pairs trained on (the rest is held out)
     * @param dModel        transformer width
     * @param heads         attention heads
     * @param layers        transformer blocks
     * @param mlpRatio      MLP hidden width / dModel
     * @param lr            AdamW rate
     * @param weightDecay   AdamW decoupled weight decay
     * @param beta2         AdamW β₂ (β₁ = 0.9)
     * @param steps         full-batch AdamW steps
     * @param evalEvery     accuracies measured every this many steps
     * @param topK          frequency groups counted by the Fourier share
     * @param seed          split and init seed
     */
    public record Config(int p, double trainFraction, int dModel, int heads, int layers, int mlpRatio, double lr,
                         double weightDecay, double beta2, long steps, int evalEvery, int topK, long seed)
            implements Experiment.Config {
        public static Config smoke() {
            return new Config(31, 0.35, 32, 2, 1, 2, 3e-3, 1.0, 0.98, 3000, 10, 4, 1);
        }

        public static Config paper() {
            return new Config(97, 0.3, 64, 4, 1, 2, 3e-3, 0.5, 0.98, 4000, 20, 8, 1);
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("p", p);
            m.put("trainFraction", trainFraction);
            m.put("dModel", dModel);
            m.put("heads", heads);
            m.put("layers", layers);
            m.put("mlpRatio", mlpRatio);
            m.put("lr", lr);
            m.put("weightDecay", weightDecay);
            m.put("beta2", beta2);
            m.put("steps", steps);
            m.put("evalEvery", evalEvery);
            m.put("topK", topK);
            m.put("seed", seed);
            return m;
        }
    }

    @Override
    public String name() {
        return "grokking";
    }

    @Override
    public String tests() {
        return "modular addition with AdamW: held-out accuracy >= 95% at least 10x later than train >= 99%, embedding "
                + "concentrated on few Fourier frequencies (Power et al. 2022; Nanda et al. 2023)";
    }

    @Override
    public Config preset(Preset preset) {
        return preset == Preset.SMOKE ? Config.smoke() : Config.paper();
    }

    @Override
    public Config override(Config b, Overrides o) {
        return new Config(o.getInt("p", b.p()), o.getDouble("trainFraction", b.trainFraction()),
                o.getInt("dModel", b.dModel()), o.getInt("heads", b.heads()), o.getInt("layers", b.layers()),
                o.getInt("mlpRatio", b.mlpRatio()), o.getDouble("lr", b.lr()),
                o.getDouble("weightDecay", b.weightDecay()), o.getDouble("beta2", b.beta2()),
                o.getLong("steps", b.steps()), o.getInt("evalEvery", b.evalEvery()), o.getInt("topK", b.topK()),
                o.getLong("seed", b.seed()));
    }

    /**
     * Share of the embedding's energy on its {@code topK} strongest frequency groups. For the token rows
     * e_0 … e_{p−1} (vectors of width d) the DFT is {@code ê_k = Σ_a e^{−2πi k a / p} e_a}; the groups are {0} and
     * {k, p − k} for 1 ≤ k ≤ (p−1)/2 (a real embedding has ‖ê_k‖ = ‖ê_{p−k}‖), with energy Σ_{k ∈ group} ‖ê_k‖².
     * By Parseval the energies sum to p·Σ_a ‖e_a‖². Returns (top-k energy) / (total energy) ∈ (0, 1].
     *
     * @param emb row-major [rows ≥ p, d]; only the first p rows (the number tokens) are used
     */
    public static double fourierShare(double[] emb, int p, int d, int topK) {
        double[] energy = frequencyEnergy(emb, p, d);
        double total = 0;
        for (double e : energy) {
            total += e;
        }
        double[] sorted = energy.clone();
        java.util.Arrays.sort(sorted);
        double top = 0;
        for (int i = 0; i < Math.min(topK, sorted.length); i++) {
            top += sorted[sorted.length - 1 - i];
        }
        return top / total;
    }

    /** Energy of each frequency group 0 … (p−1)/2 (p odd) as in {@link #fourierShare}. */
    public static double[] frequencyEnergy(double[] emb, int p, int d) {
        if (p < 3 || p % 2 == 0 || emb.length < p * d) {
            throw new IllegalArgumentException("Fourier energy needs an odd p >= 3 and at least p rows of width d; given p "
                    + p + ", d " + d + ", " + emb.length + " values");
        }
        int groups = (p - 1) / 2 + 1;
        double[] energy = new double[groups];
        for (int k = 0; k < groups; k++) {
            double e = 0;
            for (int j = 0; j < d; j++) {
                double re = 0;
                double im = 0;
                for (int a = 0; a < p; a++) {
                    double ang = 2 * Math.PI * ((long) k * a % p) / p;
                    re += Math.cos(ang) * emb[a * d + j];
                    im -= Math.sin(ang) * emb[a * d + j];
                }
                e += re * re + im * im;
            }
            energy[k] = k == 0 ? e : 2 * e;
        }
        return energy;
    }

    @Override
    public List<Verdict> run(Config c, ExperimentRun run) {
        Examples all = Generated.modular(c.p(), Generated.ModOp.ADD, c.seed());
        int nTrain = (int) Math.round(c.trainFraction() * all.size());
        if (nTrain < 1 || nTrain >= all.size()) {
            throw new IllegalArgumentException("grokking needs 0 < trainFraction < 1 leaving both splits non-empty; given "
                    + c.trainFraction() + " of " + all.size() + " pairs");
        }
        int[] trainIdx = new int[nTrain];
        int[] testIdx = new int[all.size() - nTrain];
        java.util.Arrays.setAll(trainIdx, i -> i);
        java.util.Arrays.setAll(testIdx, i -> nTrain + i);
        DataSet train = tokens(all.select(trainIdx), run.backend());
        DataSet test = tokens(all.select(testIdx), run.backend());
        Transformer model = new Transformer(run.backend(), DType.F32,
                new Transformer.Config(c.p() + 2, 4, c.dModel(), c.heads(), c.layers(), c.mlpRatio()), true, c.seed());
        ModelObjective obj = new ModelObjective(model, Loss.CE, train, test, train.size(), 1e-4, 50);
        double share0 = share(model, c);
        run.log().printf(Locale.ROOT, "grokking: p=%d, %d train / %d held-out pairs, %s, AdamW lr %.3g wd %.3g, %d steps; "
                + "top-%d Fourier share at init %.4f%n", c.p(), nTrain, testIdx.length, model, c.lr(), c.weightDecay(),
                c.steps(), c.topK(), share0);
        run.log().flush();
        TrainConfig tc = new TrainConfig(Optimizer.Kind.ADAMW, new Optimizer.Hyper(0.9, 0.9, c.beta2(), 1e-8, c.weightDecay()),
                Schedule.constant(c.lr()), c.steps(), 0, 0, 0, 1e6, 0, 0, 10);
        List<double[]> curve = new ArrayList<>();
        long t0 = System.nanoTime();
        Trainer.Result r = new Trainer(obj, tc, List.of(new Evaluation(c.evalEvery(), obj.evaluationColumns())), null,
                rec -> {
                    if (!rec.containsKey("test_acc")) {
                        return;
                    }
                    long step = ((Number) rec.get("step")).longValue();
                    double[] row = {step, (Double) rec.get("loss"), (Double) rec.get("train_acc"),
                        (Double) rec.get("test_loss"), (Double) rec.get("test_acc")};
                    curve.add(row);
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("series", "train");
                    m.put("step", step);
                    m.put("loss", row[1]);
                    m.put("train_acc", row[2]);
                    m.put("test_loss", row[3]);
                    m.put("test_acc", row[4]);
                    run.record(m);
                    if (step % (10L * c.evalEvery()) == 0) {
                        run.log().printf(Locale.ROOT, "step %6d  loss %.4g  train_acc %.4f  test_loss %.4g  test_acc %.4f  "
                                + "(%.2f s/step)%n", step, row[1], row[2], row[3], row[4],
                                (System.nanoTime() - t0) * 1e-9 / Math.max(1, step));
                        run.log().flush();
                    }
                }).run(ModelObjective.flatten(model), null, null);
        obj.load(r.w());
        double share1 = share(model, c);
        double tTrain = firstReach(curve, 2, TRAIN_ACC);
        double tTest = firstReach(curve, 4, TEST_ACC);
        double[] energy = frequencyEnergy(embedding(model), c.p(), c.dModel());
        run.log().printf(Locale.ROOT, "train acc >= %.2f at step %.0f, held-out acc >= %.2f at step %.0f (ratio %.3g); "
                + "top-%d Fourier share %.4f at init -> %.4f at the end (%s)%n", TRAIN_ACC, tTrain, TEST_ACC, tTest,
                tTest / tTrain, c.topK(), share0, share1, r.message());
        for (int k = 0; k < energy.length; k++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("series", "fourier");
            m.put("frequency", k);
            m.put("energy", energy[k]);
            run.record(m);
        }
        plots(run, c, curve, energy);
        return List.of(
                Verdict.of("delay", "t(test acc >= 0.95) / t(train acc >= 0.99)", tTest / tTrain, MIN_DELAY, MIN_DELAY,
                        Double.POSITIVE_INFINITY),
                Verdict.of("fourier-end", "top-" + c.topK() + " frequency share of the embedding energy at the end",
                        share1, MIN_SHARE, MIN_SHARE, 1),
                Verdict.of("fourier-init", "top-" + c.topK() + " frequency share of the embedding energy at init", share0,
                        (double) c.topK() / ((c.p() + 1) / 2), 0, Math.nextDown(MIN_SHARE)));
    }

    private static void plots(ExperimentRun run, Config c, List<double[]> curve, double[] energy) {
        double[] steps = column(curve, 0);
        for (int i = 0; i < steps.length; i++) {
            steps[i] = Math.max(1, steps[i]);
        }
        run.plot("grokking.png", LinePlot.titled(String.format(Locale.ROOT,
                        "Grokking a+b mod %d (%.0f%% train): accuracy vs step", c.p(), 100 * c.trainFraction()))
                .xLabel("step").yLabel("accuracy").logX()
                .series("train acc", steps, column(curve, 2))
                .series("held-out acc", steps, column(curve, 4))
                .series("0.99 (train law)", new double[] {steps[0], steps[steps.length - 1]}, new double[] {TRAIN_ACC, TRAIN_ACC})
                .series("0.95 (held-out law)", new double[] {steps[0], steps[steps.length - 1]}, new double[] {TEST_ACC, TEST_ACC}));
        double[] k = new double[energy.length];
        double total = 0;
        for (double e : energy) {
            total += e;
        }
        double[] frac = new double[energy.length];
        double[] uniform = new double[energy.length];
        for (int i = 0; i < k.length; i++) {
            k[i] = i;
            frac[i] = energy[i] / total;
            uniform[i] = 1.0 / energy.length;
        }
        run.plot("grokking_fourier.png", LinePlot.titled("Embedding energy per frequency at the end (uniform = no structure)")
                .xLabel("frequency k").yLabel("share of energy")
                .series("measured", k, frac).series("uniform (random embedding)", k, uniform));
    }

    private static double[] column(List<double[]> rows, int j) {
        return rows.stream().mapToDouble(r -> r[j]).toArray();
    }

    /** The first step whose column j reaches {@code level}; NaN if none does. */
    static double firstReach(List<double[]> curve, int j, double level) {
        for (double[] row : curve) {
            if (row[j] >= level) {
                return Math.max(1, row[0]);
            }
        }
        return Double.NaN;
    }

    /** Token-id examples as an I32 data set (x [n, 4], y [n]). */
    private static DataSet tokens(Examples e, Backend be) {
        return new ArrayDataSet(Tensor.indices(be, e.x().toInts(), e.x().shape()),
                Tensor.indices(be, e.y().toInts(), e.y().shape()));
    }

    private static double share(Transformer model, Config c) {
        return fourierShare(embedding(model), c.p(), c.dModel(), c.topK());
    }

    private static double[] embedding(Transformer model) {
        Param emb = model.params().getFirst();
        double[] e = emb.value().toDoubles();
        for (int i = 0; i < e.length; i++) {
            e[i] *= emb.multiplier();
        }
        return e;
    }
}
