package carnot.examples.experiments;

import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.Tensor;
import carnot.engine.Scope;
import carnot.science.observe.Cka;
import carnot.science.observe.Matrix;
import carnot.science.optim.Optimizer;
import carnot.science.plot.LinePlot;
import carnot.science.train.ModelObjective;
import carnot.science.train.TrainConfig;
import carnot.science.train.Trainer;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;
import carnot.models.data.Catalog;
import carnot.models.data.Examples;
import carnot.models.data.RealData;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Universality of learned representations (Kornblith et al. 2019; the paper's "representational universality"):
 * MLPs of the same architecture trained from different seeds on the same real data (Fashion-MNIST) learn hidden
 * representations that agree up to rotation and scale, the more so the wider they are. Measured by linear CKA
 * ({@link Cka}) between the hidden features of every pair of seeds on held-out test images, for each hidden layer.
 *
 * <p>Bands, stated before the run: at the largest width the seed-pair-averaged CKA of every hidden layer is
 * ≥ 0.9, and for every hidden layer it increases strictly with width.
 */
public final class Universality implements Experiment<Universality.Config> {
    /** Band: CKA between seeds at the largest width at least this (every hidden layer). */
    public static final double MIN_CKA = 0.9;

    /**
     * @param widths  hidden widths compared (each MLP is 784-w-…-w-10, {@code depth} hidden layers)
     * @param depth   hidden layers
     * @param seeds   training seeds per width (every pair is compared)
     * @param train   Fashion-MNIST training images (class-balanced subset)
     * @param probe   Fashion-MNIST test images the representations are compared on
     * @param lr      Adam rate
     * @param steps   full-batch Adam steps
     * @param seed    data subset seed
     */
    public record Config(int[] widths, int depth, int seeds, int train, int probe, double lr, long steps, long seed)
            implements Experiment.Config {
        public static Config smoke() {
            return new Config(new int[] {8, 32, 128}, 2, 2, 200, 200, 1e-3, 50, 1);
        }

        public static Config paper() {
            return new Config(new int[] {16, 64, 256, 512}, 2, 3, 500, 500, 1e-3, 200, 1);
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("widths", widths);
            m.put("depth", depth);
            m.put("seeds", seeds);
            m.put("train", train);
            m.put("probe", probe);
            m.put("lr", lr);
            m.put("steps", steps);
            m.put("seed", seed);
            return m;
        }
    }

    @Override
    public String name() {
        return "universality";
    }

    @Override
    public String tests() {
        return "linear CKA between hidden layers of MLPs trained from different seeds on Fashion-MNIST: >= 0.9 at the "
                + "largest width and increasing with width (Kornblith et al. 2019)";
    }

    @Override
    public Config preset(Preset preset) {
        return preset == Preset.SMOKE ? Config.smoke() : Config.paper();
    }

    @Override
    public Config override(Config c, Overrides o) {
        return new Config(o.getInts("widths", c.widths()), o.getInt("depth", c.depth()), o.getInt("seeds", c.seeds()),
                o.getInt("train", c.train()), o.getInt("probe", c.probe()), o.getDouble("lr", c.lr()),
                o.getLong("steps", c.steps()), o.getLong("seed", c.seed()));
    }

    /** Fashion-MNIST images (train or test set), class-balanced, {@code n} a multiple of 10, from the cache. */
    static Examples fashion(int n, boolean test, long seed, PrintStream log) {
        if (n < 10 || n % 10 != 0) {
            throw new IllegalArgumentException("a class-balanced Fashion-MNIST subset needs a multiple of 10 images; given " + n);
        }
        Examples all = Catalog.load(test ? "fashion-mnist-test" : "fashion-mnist",
                new Catalog.Request(test ? 10000 : 60000, 784, 10, 0, 0, seed, RealData.defaultCache(), log));
        return all.balanced(n / 10, seed);
    }

    @Override
    public List<Verdict> run(Config c, ExperimentRun run) {
        if (c.seeds() < 2 || c.depth() < 1 || c.widths().length < 2) {
            throw new IllegalArgumentException("universality needs >= 2 seeds, >= 1 hidden layer and >= 2 widths; given "
                    + c.seeds() + ", " + c.depth() + ", " + c.widths().length);
        }
        DataSet train = Data.of(fashion(c.train(), false, c.seed(), System.err), run.backend(), DType.F32);
        DataSet probeSet = Data.of(fashion(c.probe(), true, c.seed(), System.err), run.backend(), DType.F32);
        Tensor probe = probeSet.x(0, probeSet.size());
        int w = c.widths().length;
        double[][] cka = new double[c.depth()][w];
        for (int i = 0; i < w; i++) {
            int width = c.widths()[i];
            List<List<Matrix>> reps = new ArrayList<>();
            for (int s = 0; s < c.seeds(); s++) {
                int[] widths = new int[c.depth() + 2];
                widths[0] = 784;
                for (int l = 1; l <= c.depth(); l++) {
                    widths[l] = width;
                }
                widths[c.depth() + 1] = 10;
                Mlp mlp = new Mlp(run.backend(), DType.F32, widths, Activation.RELU, true, 1000L * (s + 1) + width);
                ModelObjective obj = new ModelObjective(mlp, Loss.CE, train, probeSet, train.size(), 1e-4, 50);
                TrainConfig tc = TrainConfig.gd(c.lr(), c.steps()).withOptimizer(Optimizer.Kind.ADAM, 0);
                Map<String, Object> last = new LinkedHashMap<>();
                Trainer.Result r = new Trainer(obj, tc, List.of(), null, last::putAll).run(ModelObjective.flatten(mlp), null, null);
                obj.load(r.w());
                Map<String, Double> ev = obj.evaluate(r.w());
                reps.add(hidden(mlp, probe));
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("series", "model");
                m.put("width", width);
                m.put("seed", s);
                m.put("train_loss", r.loss());
                m.put("train_acc", ev.get("train_acc"));
                m.put("test_acc", ev.get("test_acc"));
                run.record(m);
                run.log().printf(Locale.ROOT, "width %5d seed %d: train loss %.4g, train acc %.4f, test acc %.4f%n", width,
                        s, r.loss(), ev.get("train_acc"), ev.get("test_acc"));
                run.log().flush();
            }
            for (int l = 0; l < c.depth(); l++) {
                double sum = 0;
                int pairs = 0;
                for (int s = 0; s < c.seeds(); s++) {
                    for (int t = s + 1; t < c.seeds(); t++) {
                        sum += Cka.linear(reps.get(s).get(l), reps.get(t).get(l));
                        pairs++;
                    }
                }
                cka[l][i] = sum / pairs;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("series", "cka");
                m.put("width", width);
                m.put("layer", l + 1);
                m.put("cka", cka[l][i]);
                run.record(m);
                run.log().printf(Locale.ROOT, "width %5d hidden layer %d: CKA between seeds %.4f (%d pairs)%n", width, l + 1,
                        cka[l][i], pairs);
            }
        }
        double[] xs = new double[w];
        for (int i = 0; i < w; i++) {
            xs[i] = c.widths()[i];
        }
        LinePlot p = LinePlot.titled("Universality: linear CKA between seeds vs width (Fashion-MNIST)")
                .xLabel("hidden width").yLabel("CKA between seeds").logX();
        double minTop = Double.POSITIVE_INFINITY;
        boolean increasing = true;
        for (int l = 0; l < c.depth(); l++) {
            p.series("hidden layer " + (l + 1), xs, cka[l]);
            minTop = Math.min(minTop, cka[l][w - 1]);
            for (int i = 1; i < w; i++) {
                increasing &= cka[l][i] > cka[l][i - 1];
            }
        }
        p.series("band 0.9 at the largest width", new double[] {xs[0], xs[w - 1]}, new double[] {MIN_CKA, MIN_CKA});
        run.plot("universality.png", p);
        return List.of(
                Verdict.of("cka-largest-width", "min over hidden layers of the seed-averaged CKA at width "
                        + c.widths()[w - 1], minTop, 1, MIN_CKA, 1),
                Verdict.holds("cka-increases", "seed-averaged CKA increases strictly with width for every hidden layer",
                        increasing));
    }

    /** Hidden features φ(z_l) of every hidden layer on the probe inputs ({@link Mlp#features}), as N x width matrices. */
    private static List<Matrix> hidden(Mlp mlp, Tensor probe) {
        List<Matrix> out = new ArrayList<>();
        try (Scope _ = Scope.open()) {
            for (Tensor h : mlp.features(mlp.values(), probe)) {
                out.add(Matrix.of(h));
            }
        }
        return out;
    }
}
