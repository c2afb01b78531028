package carnot.science.train;

import carnot.engine.ParamVector;
import carnot.engine.Tensor;
import carnot.science.optim.GradientFlow;
import carnot.science.optim.Optimizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The training loop. At each step t = 0, 1, …, T: evaluate the loss and gradient at w_t (full batch, or SGD's
 * mini-batch), check for divergence, measure the scheduled observables, write one metrics record, stop if done,
 * else update w_{t+1} = w_t + Δ(optimizer or RK4 flow) and checkpoint on schedule. The record at step T has the
 * final loss. Deterministic: the same inputs give bitwise the same records; resuming from a checkpoint written at
 * step s reproduces records s, s+1, … bitwise (the checkpoint holds weights, w₀, optimizer and observable state).
 * Every checkpoint of step s, periodic or final, is the state at the start of step s, before its measurements; so
 * resuming a finished run repeats its last record bitwise, and, when the schedule does not depend on T, continuing
 * it with more steps gives bitwise the longer run. Checkpoints carry the run's fingerprint text (if given).
 *
 * <p>Divergence: a non-finite loss, gradient or weight, or a loss above {@code blowUp ×} the first loss, ends the
 * run with {@link Status#DIVERGED} and a message naming the step and the first bad tensor; the last checkpoint
 * written stays the last good one.
 *
 * <p>Data: the weights, w₀, the gradient and the optimizer's state are {@link ParamVector}s on the objective's
 * backend in its master dtype, allocated once; a step computes the gradient into its buffer and updates the weights
 * in place there. The host receives the loss, ‖g‖ and ‖w‖ (the divergence check; a non-finite norm is located by a
 * download only then); vectors are downloaded only for a checkpoint or by an observable that logs them.
 */
public final class Trainer {

    /** How a run ended. */
    public enum Status { COMPLETED, CONVERGED, DIVERGED }

    /**
     * @param status  how it ended
     * @param steps   updates taken
     * @param loss    last finite loss measured
     * @param message human-readable summary (the divergence diagnosis for DIVERGED)
     * @param w       final parameters (on the objective's backend; the caller owns them)
     */
    public record Result(Status status, long steps, double loss, String message, ParamVector w) {
    }

    private final Objective objective;
    private final TrainConfig cfg;
    private final List<Observable> observables;
    private final Path outDir;
    private final Consumer<Map<String, Object>> progress;
    private final String fingerprint;

    /**
     * @param objective   the problem
     * @param cfg         run settings
     * @param observables measured on their schedules (in this order)
     * @param outDir      folder for metrics and checkpoints, or null to keep everything in memory
     * @param progress    receives every record (for progress display); may be null
     */
    public Trainer(Objective objective, TrainConfig cfg, List<Observable> observables, Path outDir,
                   Consumer<Map<String, Object>> progress) {
        this(objective, cfg, observables, outDir, progress, "");
    }

    /**
     * The same, stamping every checkpoint with {@code fingerprint} (the text of the run's {@link Fingerprint}, ""
     * for none) so that a resume can tell whether a checkpoint was made by its configuration.
     */
    public Trainer(Objective objective, TrainConfig cfg, List<Observable> observables, Path outDir,
                   Consumer<Map<String, Object>> progress, String fingerprint) {
        if (fingerprint == null) {
            throw new IllegalArgumentException("the run fingerprint must be a text (\"\" for none); given null");
        }
        this.fingerprint = fingerprint;
        this.objective = objective;
        this.cfg = cfg;
        this.observables = List.copyOf(observables);
        this.outDir = outDir;
        this.progress = progress == null ? r -> { } : progress;
    }

    /** CSV columns: step, lr, loss, grad_norm, then each observable's columns. */
    public List<String> columns() {
        List<String> c = new ArrayList<>(List.of("step", "lr", "loss", "grad_norm"));
        if (cfg.flowFraction() > 0) {
            c.addAll(List.of("flow_time", "flow_h"));
        }
        for (Observable o : observables) {
            c.addAll(o.columns());
        }
        return c;
    }

    /**
     * Runs from {@code w} (copied into the objective's master dtype) with per-coordinate learning-rate multipliers
     * {@code lrMult} (null = ones; uploaded once), or from {@code resume} when not null (then {@code w} is only the
     * shape reference).
     */
    public Result run(ParamVector w, double[] lrMult, Checkpoint resume) {
        int p = objective.dim();
        if (w.dim() != p) {
            throw new IllegalArgumentException("initial weights must have " + p + " values; given " + w.dim());
        }
        List<int[]> shapes = objective.shapes();
        ParamVector x = resume != null ? host(resume.weights()) : w.to(objective.dtype());
        ParamVector w0 = resume != null ? host(Checks.extra(resume, "w0", p)) : x.copy();
        ParamVector g = ParamVector.zeros(objective.backend(), objective.dtype(), shapes);
        if (lrMult != null && lrMult.length != p) {
            throw new IllegalArgumentException("learning-rate multipliers need one value per coordinate (" + p + "); given "
                    + lrMult.length);
        }
        ParamVector mult = lrMult == null ? null : host(lrMult);
        Optimizer opt = Optimizer.create(cfg.optimizer(), x, cfg.hyper(), mult);
        long start = 0;
        double firstLoss = Double.NaN;
        Tensor flowWarm = null;
        double flowTime = 0;
        double flowSharp = 0;
        if (resume != null) {
            start = resume.step();
            opt.load(resume.optimizer());
            firstLoss = Checks.extra(resume, "first_loss", 1)[0];
            for (Observable o : observables) {
                Map<String, double[]> s = new LinkedHashMap<>();
                String prefix = o.name() + ".";
                resume.extra().forEach((k, v) -> {
                    if (k.startsWith(prefix)) {
                        s.put(k.substring(prefix.length()), v);
                    }
                });
                o.load(s);
            }
            if (resume.extra().containsKey("flow")) {
                double[] f = resume.extra().get("flow");
                flowTime = f[0];
                flowSharp = f[1];
                double[] fw = resume.extra().get("flow_warm");
                flowWarm = fw == null ? null : Tensor.of(objective.backend(), objective.dtype(), fw, 1, p);
            }
        }
        MetricsWriter metrics = outDir == null ? null : MetricsWriter.open(outDir, columns(), start - 1);
        GradientFlow flow = cfg.flowFraction() > 0 ? new GradientFlow(v -> {
            ParamVector gg = ParamVector.zeros(objective.backend(), objective.dtype(), shapes);
            objective.lossAndGradient(v, null, gg);
            return gg;
        }, cfg.flowFraction(), cfg.schedule().lr()) : null;
        Result result = null;
        try {
            for (long t = start; ; t++) {
                int[] batch = cfg.optimizer().fullBatch() ? null : batchIndices(t);
                double loss = objective.lossAndGradient(x, batch, g);
                if (t == 0) {
                    firstLoss = loss;
                }
                double gradNorm = g.norm();
                String bad = diagnose(t, loss, x, g, gradNorm, firstLoss);
                boolean converged = bad == null && cfg.stopLoss() > 0 && loss < cfg.stopLoss() && batch == null;
                // The last step's checkpoint is its state before it is measured, as a periodic checkpoint of that
                // step would be, so that resuming from it repeats the last record bitwise (and may go on). It is made
                // here, before the flow state of step t changes below (downloaded only for this checkpoint).
                Checkpoint last = outDir != null && bad == null && (converged || t >= cfg.steps())
                        ? checkpoint(t, x, w0, opt, firstLoss, flowTime, flowSharp, flowWarm == null ? null : flowWarm.toDoubles())
                        : null;
                double lr = cfg.schedule().at(t);
                Map<String, Object> rec = new LinkedHashMap<>();
                rec.put("step", t);
                rec.put("lr", lr);
                rec.put("loss", loss);
                rec.put("grad_norm", gradNorm);
                if (flow != null) {
                    if (t % cfg.flowSharpnessEvery() == 0 || flowWarm == null) {
                        Objective.Eigen e = objective.topEigen(x, 1, flowWarm);
                        flowSharp = e.values()[0];
                        if (flowWarm != null) {
                            flowWarm.close();
                        }
                        flowWarm = e.vectors();
                    }
                    rec.put("flow_time", flowTime);
                    rec.put("flow_h", flow.stepFor(flowSharp));
                }
                if (bad != null) {
                    result = new Result(Status.DIVERGED, t, lastFinite(loss), bad, x);
                    emit(metrics, rec);
                    break;
                }
                Observable.RunState state = new Observable.RunState(t, x, w0, g, loss, lr, objective);
                for (Observable o : observables) {
                    if (t % o.every() == 0 || t == cfg.steps()) {
                        o.measure(state, rec);
                    }
                }
                emit(metrics, rec);
                if (last != null) {
                    last.save(Checkpoint.file(outDir, t));
                }
                if (converged) {
                    result = new Result(Status.CONVERGED, t, loss, "loss " + loss + " < " + cfg.stopLoss() + " at step " + t, x);
                    break;
                }
                if (t >= cfg.steps()) {
                    result = new Result(Status.COMPLETED, t, loss, "completed " + t + " steps; final loss " + loss, x);
                    break;
                }
                if (flow != null) {
                    flowTime += flow.step(x, flowSharp);
                } else {
                    opt.step(x, g, lr);
                }
                if (cfg.checkpointEvery() > 0 && (t + 1) % cfg.checkpointEvery() == 0 && outDir != null
                        && firstNonFinite(x, x.norm()) == null) {
                    checkpoint(t + 1, x, w0, opt, firstLoss, flowTime, flowSharp, flowWarm == null ? null : flowWarm.toDoubles())
                            .save(Checkpoint.file(outDir, t + 1));
                }
            }
        } finally {
            if (metrics != null) {
                metrics.close();
            }
            opt.close();
            g.close();
            w0.close();
            if (mult != null) {
                mult.close();
            }
            if (flowWarm != null) {
                flowWarm.close();
            }
            if (result == null) {
                x.close();
            }
        }
        return result;
    }

    /** Host values uploaded as a vector laid out as the objective's parameters. */
    private ParamVector host(double[] v) {
        return ParamVector.fromHost(objective.backend(), objective.dtype(), v, objective.shapes());
    }

    private void emit(MetricsWriter metrics, Map<String, Object> rec) {
        if (metrics != null) {
            metrics.write(rec);
        }
        progress.accept(rec);
    }

    private Checkpoint checkpoint(long step, ParamVector x, ParamVector w0, Optimizer opt, double firstLoss, double flowTime,
                                  double flowSharp, double[] flowWarm) {
        Map<String, double[]> extra = new LinkedHashMap<>();
        extra.put("w0", w0.toDoubles());
        extra.put("first_loss", new double[] {firstLoss});
        if (cfg.flowFraction() > 0) {
            extra.put("flow", new double[] {flowTime, flowSharp});
            if (flowWarm != null) {
                extra.put("flow_warm", flowWarm.clone());
            }
        }
        for (Observable o : observables) {
            o.state().forEach((k, v) -> extra.put(o.name() + "." + k, v.clone()));
        }
        Map<String, double[]> os = new LinkedHashMap<>();
        opt.state().forEach((k, v) -> os.put(k, v.clone()));
        return new Checkpoint(step, objective.names(), objective.shapes(), x.toDoubles(), os, extra, fingerprint);
    }

    /** SGD's mini-batch at step t: epoch e = ⌊t·B/N⌋ shuffles 0..N−1 with seed (seed, e); wraps within an epoch. */
    int[] batchIndices(long t) {
        int n = objective.size();
        int b = Math.min(cfg.batch(), n);
        int perEpoch = n / b;
        long epoch = t / perEpoch;
        int pos = (int) (t % perEpoch) * b;
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        SplittableRandom r = new SplittableRandom(cfg.seed() * 0x9E3779B97F4A7C15L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        int[] out = new int[b];
        System.arraycopy(perm, pos, out, 0, b);
        java.util.Arrays.sort(out);
        return out;
    }

    private String diagnose(long t, double loss, ParamVector x, ParamVector g, double gradNorm, double firstLoss) {
        String w = firstNonFinite(x, x.norm());
        if (w != null) {
            return "diverged at step " + t + ": weights of " + w + " are not finite";
        }
        String gb = firstNonFinite(g, gradNorm);
        if (gb != null) {
            return "diverged at step " + t + ": gradient of " + gb + " is not finite (loss " + loss + ")";
        }
        if (!Double.isFinite(loss)) {
            return "diverged at step " + t + ": loss is " + loss + " (weights and gradient finite)";
        }
        if (t > 0 && loss > cfg.blowUp() * Math.max(firstLoss, Double.MIN_NORMAL)) {
            return "diverged at step " + t + ": loss " + loss + " exceeds " + cfg.blowUp() + " x the initial loss "
                    + firstLoss + " (largest gradient entries in " + largestBlock(g.toDoubles()) + ")";
        }
        return null;
    }

    /**
     * The first non-finite entry of {@code v} ("name (index i = value)"), or null. Every entry is finite when its norm
     * {@code norm} is; only a non-finite norm (a non-finite entry, or an overflow of the sum of squares) downloads v.
     */
    private String firstNonFinite(ParamVector v, double norm) {
        if (Double.isFinite(norm)) {
            return null;
        }
        double[] h = v.toDoubles();
        int at = 0;
        List<int[]> shapes = objective.shapes();
        for (int i = 0; i < shapes.size(); i++) {
            int n = size(shapes.get(i));
            for (int j = at; j < at + n; j++) {
                if (!Double.isFinite(h[j])) {
                    return objective.names().get(i) + " (index " + (j - at) + " = " + h[j] + ")";
                }
            }
            at += n;
        }
        return null;
    }

    private String largestBlock(double[] g) {
        int at = 0;
        double best = -1;
        String name = "";
        List<int[]> shapes = objective.shapes();
        for (int i = 0; i < shapes.size(); i++) {
            int n = size(shapes.get(i));
            double m = 0;
            for (int j = at; j < at + n; j++) {
                m = Math.max(m, Math.abs(g[j]));
            }
            if (m > best) {
                best = m;
                name = objective.names().get(i);
            }
            at += n;
        }
        return name;
    }

    private static int size(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    private static double lastFinite(double loss) {
        return Double.isFinite(loss) ? loss : Double.NaN;
    }
}
