package carnot.examples.experiments;

import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.science.observe.CollapseObservable;
import carnot.science.optim.Optimizer;
import carnot.science.optim.Schedule;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Neural collapse (Papyan, Han &amp; Donoho 2020): trained with cross-entropy and a small weight decay past zero
 * training error (the terminal phase), the last hidden features of each class collapse to their class mean (NC1),
 * the centred class means approach a simplex equiangular tight frame (NC2: equal norms, cosines −1/(C−1)), the
 * classifier aligns with the means (NC3) and the network's decision equals the nearest-class-mean rule (NC4).
 * Metrics from {@link carnot.science.observe.NeuralCollapse} through {@link CollapseObservable}.
 *
 * <p>Bands, stated before the run: NC1 at the end ≤ 0.05 and below its value at the first measurement after
 * init; NCC agreement 1 − NC4 ≥ 99 % at the end. NC2 and NC3 are reported with their trends (first measured →
 * end), not banded.
 */
public final class Collapse implements Experiment<Collapse.Config> {
    /** Band: NC1 at the end at most this. */
    public static final double MAX_NC1 = 0.05;
    /** Band: agreement of the network with the nearest-class-mean rule at the end at least this. */
    public static final double MIN_NCC = 0.99;

    /**
     * @param data        {@code fashion-mnist} (class-balanced subset) or {@code mixture} (separable Gaussian mixture)
     * @param samples     training samples (a multiple of the 10 classes)
     * @param inputDim    input dimension of the mixture (Fashion-MNIST: 784)
     * @param hidden      hidden widths
     * @param separation  mixture class-mean distance (noise N(0, I))
     * @param optimizer    full-batch optimizer: momentum (heavy ball) or adamw (decoupled weight decay)
     * @param lr          rate
     * @param momentum    heavy-ball β
     * @param weightDecay L2 weight decay coefficient
     * @param steps       steps
     * @param every       NC metrics measured every this many steps
     * @param seed        data and init seed
     */
    public record Config(String data, int samples, int inputDim, int[] hidden, double separation, String optimizer, double lr, double momentum,
                         double weightDecay, long steps, int every, long seed) implements Experiment.Config {
        public static Config smoke() {
            return new Config("mixture", 200, 32, new int[] {64, 64}, 10.0, "momentum", 0.1, 0.9, 5e-3, 300, 50, 1);
        }

        public static Config paper() {
            return new Config("fashion-mnist", 500, 784, new int[] {256, 256}, 0, "momentum", 0.05, 0.9, 5e-3, 2000, 100, 1);
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("data", data);
            m.put("samples", samples);
            m.put("inputDim", inputDim);
            m.put("hidden", hidden);
            m.put("separation", separation);
            m.put("optimizer", optimizer);
            m.put("lr", lr);
            m.put("momentum", momentum);
            m.put("weightDecay", weightDecay);
            m.put("steps", steps);
            m.put("every", every);
            m.put("seed", seed);
            return m;
        }
    }

    @Override
    public String name() {
        return "collapse";
    }

    @Override
    public String tests() {
        return "neural collapse in the terminal phase of CE training with weight decay: NC1 <= 0.05 and falling, "
                + "NCC agreement >= 99%, NC2/NC3 trends (Papyan, Han & Donoho 2020)";
    }

    @Override
    public Config preset(Preset preset) {
        return preset == Preset.SMOKE ? Config.smoke() : Config.paper();
    }

    @Override
    public Config override(Config c, Overrides o) {
        return new Config(o.getString("data", c.data()), o.getInt("samples", c.samples()),
                o.getInt("inputDim", c.inputDim()), o.getInts("hidden", c.hidden()), o.getDouble("separation", c.separation()),
                o.getString("optimizer", c.optimizer()), o.getDouble("lr", c.lr()),
                o.getDouble("momentum", c.momentum()), o.getDouble("weightDecay", c.weightDecay()),
                o.getLong("steps", c.steps()), o.getInt("every", c.every()), o.getLong("seed", c.seed()));
    }

    @Override
    public List<Verdict> run(Config c, ExperimentRun run) {
        Examples ex = switch (c.data()) {
            case "fashion-mnist" -> Universality.fashion(c.samples(), false, c.seed(), System.err);
            case "mixture" -> Generated.gaussianMixture(c.samples(), c.inputDim(), 10, c.separation(), c.seed());
            default -> throw new IllegalArgumentException("collapse data must be fashion-mnist or mixture; given '"
                    + c.data() + "'");
        };
        int inputDim = c.data().equals("fashion-mnist") ? 784 : c.inputDim();
        DataSet train = Data.of(ex, run.backend(), DType.F32);
        int[] widths = new int[c.hidden().length + 2];
        widths[0] = inputDim;
        System.arraycopy(c.hidden(), 0, widths, 1, c.hidden().length);
        widths[widths.length - 1] = 10;
        Mlp mlp = new Mlp(run.backend(), DType.F32, widths, Activation.RELU, true, c.seed());
        ModelObjective obj = new ModelObjective(mlp, Loss.CE, train, null, train.size(), 1e-4, 50);
        Optimizer.Kind kind = Optimizer.Kind.parse(c.optimizer());
        if (kind != Optimizer.Kind.MOMENTUM && kind != Optimizer.Kind.ADAMW) {
            throw new IllegalArgumentException("collapse optimizer must be momentum or adamw; given " + c.optimizer());
        }
        TrainConfig tc = new TrainConfig(kind, new Optimizer.Hyper(c.momentum(), 0.9, 0.999, 1e-8,
                c.weightDecay()), Schedule.constant(c.lr()), c.steps(), 0, 0, 0, 1e6, 0, 0, 10);
        List<double[]> rows = new ArrayList<>();
        new Trainer(obj, tc, List.of(new CollapseObservable(c.every(), mlp, obj, train)), null, rec -> {
            if (!rec.containsKey("nc1")) {
                return;
            }
            long step = ((Number) rec.get("step")).longValue();
            double[] row = {step, (Double) rec.get("loss"), (Double) rec.get("nc1"), (Double) rec.get("nc2_norm"),
                (Double) rec.get("nc2_angle"), (Double) rec.get("nc3"), (Double) rec.get("nc4")};
            rows.add(row);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("series", "nc");
            m.put("step", step);
            m.put("loss", row[1]);
            m.put("nc1", row[2]);
            m.put("nc2_norm", row[3]);
            m.put("nc2_angle", row[4]);
            m.put("nc3", row[5]);
            m.put("nc4", row[6]);
            run.record(m);
            run.log().printf(Locale.ROOT, "step %6d  loss %.4g  NC1 %.4g  NC2 norm %.4g  NC2 angle %.4g  NC3 %.4g  NC4 %.4g%n",
                    step, row[1], row[2], row[3], row[4], row[5], row[6]);
            run.log().flush();
        }).run(ModelObjective.flatten(mlp), null, null);
        double[] first = rows.size() > 1 ? rows.get(1) : rows.getFirst();
        double[] end = rows.getLast();
        run.log().printf(Locale.ROOT, "trends (step %.0f -> %.0f): NC1 %.4g -> %.4g, NC2 norm %.4g -> %.4g, NC2 angle %.4g -> "
                        + "%.4g, NC3 %.4g -> %.4g, NC4 %.4g -> %.4g%n", first[0], end[0], first[2], end[2], first[3], end[3],
                first[4], end[4], first[5], end[5], first[6], end[6]);
        double[] steps = column(rows, 0);
        for (int i = 0; i < steps.length; i++) {
            steps[i] = Math.max(1, steps[i]);
        }
        run.plot("collapse.png", LinePlot.titled("Neural collapse on " + c.data() + ": NC metrics vs step (collapse = 0)")
                .xLabel("step").yLabel("metric").logX().logY()
                .series("NC1 tr(Sw Sb+)/C", steps, positive(column(rows, 2)))
                .series("NC2 equinorm", steps, positive(column(rows, 3)))
                .series("NC2 equiangular", steps, positive(column(rows, 4)))
                .series("NC3 self-duality", steps, positive(column(rows, 5)))
                .series("train CE loss", steps, positive(column(rows, 1)))
                .series("NC1 band 0.05", new double[] {steps[0], steps[steps.length - 1]}, new double[] {MAX_NC1, MAX_NC1}));
        return List.of(
                Verdict.of("nc1-end", "NC1 = tr(Sigma_W Sigma_B^+)/C at the end", end[2], 0, 0, MAX_NC1),
                Verdict.holds("nc1-falling", String.format(Locale.ROOT, "NC1 at the end (%.4g) below NC1 at step %.0f (%.4g)",
                        end[2], first[0], first[2]), end[2] < first[2]),
                Verdict.of("nc4-ncc-agreement", "fraction of training samples where argmax(W h + b) = nearest class mean",
                        1 - end[6], 1, MIN_NCC, 1));
    }

    private static double[] column(List<double[]> rows, int j) {
        return rows.stream().mapToDouble(r -> r[j]).toArray();
    }

    /** Values floored at 1e-12 for a log axis. */
    private static double[] positive(double[] v) {
        double[] o = v.clone();
        for (int i = 0; i < o.length; i++) {
            o[i] = Math.max(o[i], 1e-12);
        }
        return o;
    }
}
