package carnot.cli;

import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.io.AtomicFiles;
import carnot.engine.io.RunFolder;
import carnot.science.observe.CollapseObservable;
import carnot.science.observe.DeepLinearObservables;
import carnot.science.observe.Evaluation;
import carnot.science.observe.FeatureObservable;
import carnot.science.observe.Sharpness;
import carnot.science.observe.WeightMovement;
import carnot.science.optim.Optimizer;
import carnot.science.optim.Schedule;
import carnot.science.param.Apply;
import carnot.science.param.OutputScaled;
import carnot.science.param.Parameterization;
import carnot.science.param.Table;
import carnot.science.train.Checkpoint;
import carnot.science.train.Fingerprint;
import carnot.science.train.Json;
import carnot.science.train.ModelObjective;
import carnot.science.train.Observable;
import carnot.science.train.RunPlots;
import carnot.science.train.TrainConfig;
import carnot.science.train.Trainer;
import carnot.models.Mlp;
import carnot.kernels.DType;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code carnot train}: trains a model with GD/momentum/Nesterov/SGD/Adam(W) or RK4 gradient flow under a
 * parameterization (SP, NTP, µP, mean-field, depth-µP; output multiplier α), measuring observables on a schedule.
 * Writes {@code RUN_DIR/config.json} (flags, configuration fingerprint, parameterization table),
 * {@code metrics.jsonl}, {@code metrics.csv}, {@code checkpoints/step-N.npz} and PNG plots, each file atomically.
 * Exit code 3 when the run diverges (the message names the step and the first bad tensor; the last good checkpoint
 * stays).
 *
 * <p>A run folder belongs to one run: a new run refuses a non-empty {@code --out} (naming what is there) unless
 * {@code --overwrite} clears it. {@code --resume} continues only a run of the same configuration: the
 * {@link Fingerprint} of every option except {@link #NOT_FINGERPRINTED} (and except {@code --steps} when the
 * schedule does not depend on it, so that a run may be continued for more steps) must equal the one in
 * {@code config.json} and in the checkpoint, else it refuses naming each flag that differs with both values. Files
 * named by a path option ({@code --data}, {@code --weights}) enter by the SHA-256 of their bytes.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a model and stream metrics (loss, sharpness, movement, ...) to RUN_DIR.",
            Problems.TRANSFORMER_TARGETS})
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Mixin
    SparkOptions spark;

    @Option(names = "--opt", defaultValue = "gd", paramLabel = "gd|momentum|nesterov|sgd|adam|adamw",
            description = "Optimizer (default ${DEFAULT-VALUE}).")
    String opt;

    @Option(names = "--lr", required = true, description = "Base learning rate (tuned at the base width).")
    double lr;

    @Option(names = "--master", defaultValue = "f64", paramLabel = "f64|model",
            description = "Dtype of the weights the optimizer updates and of its state, on the backend: f64 (default; "
                    + "the model computes in --dtype from a rounded copy) or the model's own dtype.")
    String master;

    @Option(names = "--steps", defaultValue = "100", description = "Updates (default ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--batch", defaultValue = "32", description = "SGD mini-batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--momentum", defaultValue = "0.9", description = "Momentum (default ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--betas", defaultValue = "0.9,0.999", split = ",", description = "Adam betas (default ${DEFAULT-VALUE}).")
    List<Double> betas;

    @Option(names = "--eps", defaultValue = "1e-8", description = "Adam epsilon (default ${DEFAULT-VALUE}).")
    double eps;

    @Option(names = "--weight-decay", defaultValue = "0", description = "Weight decay (coupled; decoupled for adamw).")
    double weightDecay;

    @Option(names = "--schedule", defaultValue = "constant", paramLabel = "constant|warmup:W|cosine[:W]",
            description = "Learning-rate schedule (default ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--param", defaultValue = "sp", paramLabel = "sp|ntp|mup|mf|depth-mup",
            description = "Parameterization (default ${DEFAULT-VALUE}; mup uses the Adam table with adam/adamw).")
    String param;

    @Option(names = "--base-width", defaultValue = "0", description = "Base width n0 (0 = this model's width: ratio 1).")
    int baseWidth;

    @Option(names = "--base-depth", defaultValue = "0", description = "Base depth L0 for depth-mup (0 = this depth).")
    int baseDepth;

    @Option(names = "--init-scale", defaultValue = "1",
            description = "Multiply every init std by this (0.57735 = PyTorch's default uniform init).")
    double initScale;

    @Option(names = "--alpha", defaultValue = "1", description = "Output multiplier alpha (lr scaled by 1/alpha^2).")
    double alpha;

    @Option(names = "--centered", description = "With --alpha: train alpha*(f(w) - f(w0)) so the initial output is 0.")
    boolean centered;

    @Option(names = "--observe", defaultValue = "", paramLabel = "NAME:EVERY[:K],...",
            description = "Observables: sharpness:E[:K] (top-K Hessian eigenvalues), eval:E (accuracy/held-out), "
                    + "move:E (weight movement), e2e:E[:K] (end-to-end singular values + conservation residuals), "
                    + "nc:E (neural collapse NC1-NC4), features:E[:PROBE] (feature movement, CKA to init, AGOP alignment).")
    String observe;

    @Option(names = "--test-dataset", paramLabel = "NAME", description = "Held-out built-in data set for eval (e.g. fashion-mnist-test).")
    String testDataset;

    @Option(names = "--flow", defaultValue = "0", description = "> 0: RK4 gradient flow with step min(lr, FLOW/sharpness).")
    double flow;

    @Option(names = "--checkpoint-every", defaultValue = "0", description = "Checkpoint every K steps (0 = only at the end).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Resume from the latest checkpoint in --out (same configuration "
            + "required; --steps may change unless --schedule cosine).")
    boolean resume;

    @Option(names = "--overwrite", description = "Clear --out first if it holds files (else a new run refuses it).")
    boolean overwrite;

    @Option(names = "--stop-loss", defaultValue = "0", description = "Stop once the full-batch loss is below this.")
    double stopLoss;

    @Option(names = "--blow-up", defaultValue = "1e6", description = "Divergence when loss > BLOW_UP x initial loss.")
    double blowUp;

    @Option(names = "--eig-tol", defaultValue = "1e-4", description = "Lanczos tolerance for sharpness (default ${DEFAULT-VALUE}).")
    double eigTol;

    @Option(names = "--print-every", defaultValue = "0", description = "Plain progress line every K steps (0 = about 20 lines).")
    long printEvery;

    @Option(names = "--out", required = true, paramLabel = "RUN_DIR", description = "Run folder.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!master.equalsIgnoreCase("f64") && !master.equalsIgnoreCase("model")) {
            throw new FlagException("--master must be f64 or model; given '" + master + "'");
        }
        PrintWriter o = spec.commandLine().getOut();
        ModelConfig mc = options.config();
        Optimizer.Kind kind = FlagException.parse("--opt", opt, "gd, momentum, nesterov, sgd, adam or adamw",
                () -> Optimizer.Kind.parse(opt));
        refuseUnused(kind);
        if (betas.size() != 2) {
            throw new FlagException("--betas needs two values beta1,beta2; given " + betas);
        }
        Optimizer.Hyper hyper = new Optimizer.Hyper(momentum, betas.get(0), betas.get(1), eps, weightDecay);
        Parameterization p = Parameterization.preset(param, kind == Optimizer.Kind.ADAM || kind == Optimizer.Kind.ADAMW)
                .withAlpha(alpha).withInitScale(initScale);
        Schedule sched = Schedule.parse(schedule, lr * p.alphaLrFactor(), steps);
        Fingerprint fp = fingerprint(sched.kind() == Schedule.Kind.COSINE);
        if (resume) {
            refuseResume(fp);
        } else {
            RunFolder.refuseIfUsed(out, overwrite, "--out", "or --resume to continue the run in it");
        }
        TrainConfig cfg = new TrainConfig(kind, hyper, sched, steps, batch, mc.seed(), checkpointEvery, blowUp, stopLoss,
                flow, 10);

        Problems.Problem prob = Problems.build(mc, Main.err(spec));
        Model model = prob.model();
        int width = width(mc);
        int depth = depth(mc);
        Table table = p.resolve(Apply.infos(model), width / (double) (baseWidth > 0 ? baseWidth : width),
                depth / (double) (baseDepth > 0 ? baseDepth : depth));
        if (mc.weights() == null) {
            Apply.apply(table, model, mc.seed());
        } else {
            Apply.apply(table.withoutInit(), model, mc.seed());
        }
        Model trained = alpha != 1 || centered ? new OutputScaled(model, alpha, centered) : model;
        carnot.engine.DataSet test = testDataset == null ? null : testData(mc, prob.backend());
        DType masterDtype = master.equalsIgnoreCase("f64") ? DType.F64 : mc.dtype();
        ModelObjective obj = new ModelObjective(trained, prob.loss(), prob.data(), test, prob.chunk(), eigTol, 300, masterDtype);
        List<Observable> obs = observables(observe, obj, model instanceof Mlp m ? m : null, prob.data(), table);

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("command", "train");
        config.put("args", spec.commandLine().getParseResult().originalArgs().stream()
                .filter(a -> !a.equals("--resume")).toList());
        Map<String, Object> fpJson = new LinkedHashMap<>();
        fpJson.put("sha256", fp.sha256());
        fpJson.put("flags", fp.flags());
        config.put("fingerprint", fpJson);
        config.put("parameters", model.numParams());
        config.put("parameterization", table.toMap());
        byte[] configJson = Json.pretty(config).getBytes(StandardCharsets.UTF_8);
        Checkpoint from = null;
        if (resume) {
            PrintWriter err = spec.commandLine().getErr();
            from = Checkpoint.resumable(out, obj.names(), obj.shapes(), fp, steps, m -> err.println("carnot: " + m));
            err.flush();
            RunFolder.removeTempFiles(out);
            if (!java.util.Arrays.equals(configJson, readBytes(out.resolve("config.json")))) {
                AtomicFiles.write(out.resolve("config.json"), configJson);
            }
        } else {
            RunFolder.claim(out, overwrite, "--out", "or --resume to continue the run in it");
            AtomicFiles.write(out.resolve("config.json"), configJson);
        }
        o.print(table.format());
        o.printf(Locale.ROOT, "%s, lr %s (%s), %d steps, %d parameters, %d samples%s%n", kind.name().toLowerCase(Locale.ROOT),
                lr, schedule, steps, model.numParams(), prob.data().size(), from == null ? "" : ", resuming at step " + from.step());
        o.flush();

        boolean tty = System.console() != null;
        long every = printEvery > 0 ? printEvery : Math.max(1, steps / 20);
        long t0 = System.nanoTime();
        carnot.science.train.Objective target = spark.objective(obj, prob, trained, eigTol, 300, Main.err(spec));
        Trainer.Result r = new Trainer(target, cfg, obs, out, rec -> progress(o, rec, every, tty, steps), fp.text())
                .run(ModelObjective.flatten(model), table.lrMultipliers(), from);
        spark.close();
        double secs = (System.nanoTime() - t0) * 1e-9;
        if (tty) {
            o.println();
        }
        List<Path> plots = RunPlots.write(out);
        o.printf(Locale.ROOT, "%s: %s (%.2f s); wrote %s, metrics.jsonl, metrics.csv, checkpoints/, %s%n", r.status(),
                r.message(), secs, out.resolve("config.json"), plots.stream().map(f -> f.getFileName().toString()).toList());
        o.flush();
        if (r.status() == Trainer.Status.DIVERGED) {
            spec.commandLine().getErr().println("carnot: error: " + r.message() + "; last good checkpoint kept in "
                    + out.resolve("checkpoints"));
            spec.commandLine().getErr().flush();
            return 3;
        }
        return 0;
    }

    /** Refuses each optimizer flag given that {@code kind} (or RK4 flow) would not read. */
    private void refuseUnused(Optimizer.Kind kind) {
        if (FlagException.given(spec, "--weights")) {
            FlagException.refuseGiven(spec, "with --weights (the weights are given, not initialized)", "--init-scale");
        }
        if (flow > 0) {
            FlagException.refuseGiven(spec, "with --flow (RK4 gradient flow has no optimizer state)", "--opt",
                    "--momentum", "--betas", "--eps", "--batch");
        }
        if (kind != Optimizer.Kind.MOMENTUM && kind != Optimizer.Kind.NESTEROV) {
            FlagException.refuseGiven(spec, "to --opt " + opt + " (momentum and nesterov only)", "--momentum");
        }
        if (kind != Optimizer.Kind.ADAM && kind != Optimizer.Kind.ADAMW) {
            FlagException.refuseGiven(spec, "to --opt " + opt + " (adam and adamw only)", "--betas", "--eps");
        }
        if (kind != Optimizer.Kind.SGD) {
            FlagException.refuseGiven(spec, "to --opt " + opt + " (full-batch; sgd only)", "--batch");
        }
        if (observe == null || !observe.contains("sharpness")) {
            if (!(flow > 0)) {
                FlagException.refuseGiven(spec, "without --observe sharpness:E or --flow (nothing measures the"
                        + " sharpness)", "--eig-tol");
            }
        }
        if (testDataset == null || observe == null || !observe.contains("eval")) {
            FlagException.refuseGiven(spec, "without --observe eval:E (held-out evaluation)", "--test-dataset");
        }
    }

    /** A progress bar redrawn in place on a terminal; plain lines every {@code every} steps otherwise. */
    private static void progress(PrintWriter o, Map<String, Object> rec, long every, boolean tty, long total) {
        long step = ((Number) rec.get("step")).longValue();
        Object sharp = rec.get("sharpness");
        String line = String.format(Locale.ROOT, "step %d/%d  loss %.6g%s", step, total, (Double) rec.get("loss"),
                sharp == null ? "" : String.format(Locale.ROOT, "  sharpness %.5g", (Double) sharp));
        if (tty) {
            int filled = total == 0 ? 30 : (int) (30 * step / total);
            o.print("\r[" + "=".repeat(filled) + (filled < 30 ? ">" + " ".repeat(29 - filled) : "") + "] " + line + "    ");
            o.flush();
        } else if (step % every == 0 || step == total) {
            o.println(line);
            o.flush();
        }
    }

    /** Observables from "name:every[:k],…". */
    static List<Observable> observables(String spec, ModelObjective obj, Mlp mlp, carnot.engine.DataSet data,
                                        Table table) {
        List<Observable> list = new ArrayList<>();
        if (spec == null || spec.isBlank()) {
            return list;
        }
        for (String item : spec.split(",")) {
            String[] f = item.trim().split(":");
            if (f.length < 2 || f.length > 3) {
                throw new FlagException("--observe items are NAME:EVERY[:K]; given '" + item + "'");
            }
            int every = observeCount(item, "EVERY", f[1]);
            int k = f.length > 2 ? observeCount(item, "K", f[2]) : 1;
            if (f.length > 2 && List.of("eval", "move", "nc").contains(f[0])) {
                throw new FlagException("--observe " + f[0] + " takes no K (" + f[0] + ":EVERY); given '" + item + "'");
            }
            try {
                list.add(switch (f[0]) {
                    case "sharpness" -> new Sharpness(every, k);
                    case "eval" -> new Evaluation(every, obj.evaluationColumns());
                    case "move" -> new WeightMovement(every, obj.names(), obj.shapes());
                    case "e2e" -> endToEnd(every, k, mlp, obj, table);
                    case "nc" -> new CollapseObservable(every, requireMlp(mlp, "nc"), obj, data);
                    case "features" -> new FeatureObservable(every, requireMlp(mlp, "features"), obj, data, f.length > 2 ? k : 256);
                    default -> throw new FlagException("unknown observable '" + f[0]
                            + "' in --observe; expected sharpness, eval, move, e2e, nc or features");
                });
            } catch (FlagException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new FlagException("--observe " + item + ": " + e.getMessage(), e);
            }
        }
        return list;
    }

    /** A positive integer field of an --observe item, else an error naming the item and the expected form. */
    private static int observeCount(String item, String field, String value) {
        try {
            int v = Integer.parseInt(value);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new FlagException("--observe items are NAME:EVERY[:K] with " + field + " a positive integer; given '"
                + value + "' in '" + item + "'");
    }

    /**
     * The e2e observable of a bias-free mlp/linear network, with the forward multipliers, output multiplier α,
     * centering and per-layer learning-rate multipliers of the parameterization ({@link DeepLinearObservables}).
     */
    private static Observable endToEnd(int every, int k, Mlp mlp, ModelObjective obj, Table table) {
        Mlp m = requireMlp(mlp, "e2e");
        List<Double> mult = new ArrayList<>();
        List<Double> lr = new ArrayList<>();
        for (int i = 0; i < m.params().size(); i++) {
            var p = m.params().get(i);
            if (p.shape().length != 2) {
                throw new FlagException("--observe e2e needs a network without biases (--model linear, or --bias false);"
                        + " the model has " + p.name() + " " + java.util.Arrays.toString(p.shape()));
            }
            mult.add(p.multiplier());
            lr.add(table.rows().get(i).lrMult());
        }
        double alpha = obj.model() instanceof OutputScaled os ? os.alpha() : 1;
        boolean centered = obj.model() instanceof OutputScaled os && os.centered();
        return new DeepLinearObservables(every, k, obj.shapes(), mult.stream().mapToDouble(Double::doubleValue).toArray(),
                alpha, centered, lr.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static Mlp requireMlp(Mlp m, String what) {
        if (m == null) {
            throw new FlagException("--observe " + what + " needs --model mlp or linear");
        }
        return m;
    }

    /**
     * Options that change no number a run writes, so they stay out of its fingerprint: where it is written, how it
     * reports progress, how often it checkpoints (a checkpoint is the state the run passes through anyway).
     */
    static final java.util.Set<String> NOT_FINGERPRINTED = java.util.Set.of("--out", "--resume", "--overwrite",
            "--print-every", "--checkpoint-every", "--help", "--version");

    /**
     * The configuration fingerprint: every option of this command (mixins included) by its longest name and its
     * parsed value (defaults too), except {@link #NOT_FINGERPRINTED} and, unless {@code stepsMatter}, {@code --steps}.
     * Lists are comma-joined; a path option that names a file enters as {@code sha256:HEX} of its bytes.
     */
    Fingerprint fingerprint(boolean stepsMatter) {
        Map<String, String> m = new java.util.TreeMap<>();
        for (picocli.CommandLine.Model.OptionSpec opt : spec.options()) {
            String name = opt.longestName();
            if (opt.usageHelp() || opt.versionHelp() || NOT_FINGERPRINTED.contains(name)
                    || (name.equals("--steps") && !stepsMatter)) {
                continue;
            }
            m.put(name, canonical(opt.getValue()));
        }
        return Fingerprint.of(m);
    }

    private static String canonical(Object v) {
        return switch (v) {
            case null -> "";
            case List<?> l -> String.join(",", l.stream().map(TrainCommand::canonical).toList());
            case Path f when Files.isRegularFile(f) -> "sha256:" + Fingerprint.sha256(readBytes(f));
            default -> v.toString().replace('\n', ' ');
        };
    }

    /**
     * Refuses, before anything is built or written, a resume into a folder that is not a run of this
     * configuration: no {@code config.json}, another fingerprint there (naming each flag that differs), or no
     * checkpoint file.
     */
    private void refuseResume(Fingerprint fp) {
        if (overwrite) {
            throw new IllegalArgumentException("--resume continues the run in --out and --overwrite clears it; pass one");
        }
        Path cj = out.resolve("config.json");
        if (!Files.isRegularFile(cj)) {
            throw new IllegalArgumentException("--resume: " + out + " holds no config.json, so it is not the folder of "
                    + "a carnot train run" + (Files.isDirectory(out) ? "" : " (it does not exist)")
                    + "; start the run without --resume");
        }
        Fingerprint old = configFingerprint(new String(readBytes(cj), StandardCharsets.UTF_8), cj);
        List<String> d = fp.differences(old, "in this command", "in " + cj);
        if (!d.isEmpty()) {
            throw new IllegalArgumentException("--resume: " + out + " holds a run of another configuration; flags "
                    + "that differ: " + String.join("; ", d) + " (resume with the run's values, or start a new run in "
                    + "another --out)");
        }
        if (Checkpoint.steps(out).isEmpty()) {
            throw new IllegalArgumentException("--resume: " + out + " has no checkpoint (checkpoints/step-N.npz); the "
                    + "run stopped before its first checkpoint: start it again with --overwrite");
        }
    }

    /** The fingerprint flags of a config.json this command wrote (its "flags" object, one entry per line). */
    static Fingerprint configFingerprint(String json, Path file) {
        List<String> lines = json.lines().toList();
        int at = 0;
        while (at < lines.size() && !lines.get(at).trim().equals("\"flags\": {")) {
            at++;
        }
        if (at == lines.size()) {
            throw new IllegalArgumentException("--resume: " + file + " has no configuration fingerprint "
                    + "(fingerprint.flags); start the run again with --overwrite");
        }
        java.util.regex.Pattern entry = java.util.regex.Pattern.compile(
                "\\s*\"((?:[^\"\\\\]|\\\\.)*)\": \"((?:[^\"\\\\]|\\\\.)*)\",?");
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = at + 1; i < lines.size() && !lines.get(i).trim().startsWith("}"); i++) {
            java.util.regex.Matcher e = entry.matcher(lines.get(i));
            if (!e.matches()) {
                throw new IllegalArgumentException("--resume: " + file + " line " + (i + 1) + " is not a fingerprint "
                        + "entry \"--flag\": \"value\"; given " + lines.get(i).trim());
            }
            m.put(unescape(e.group(1)), unescape(e.group(2)));
        }
        return Fingerprint.of(m);
    }

    /** Undoes {@link Json}'s string escapes. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                b.append(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'u' -> {
                    b.append((char) Integer.parseInt(s.substring(i + 1, Math.min(s.length(), i + 5)), 16));
                    i += 4;
                }
                default -> b.append(n);
            }
        }
        return b.toString();
    }

    /**
     * The held-out set on the training backend: standardized with the training set's statistics when
     * --standardize, integer labels one-hot encoded for mse (like the training set).
     */
    private carnot.engine.DataSet testData(ModelConfig mc, carnot.kernels.Backend backend) {
        ModelConfig t = new ModelConfig(mc.model(), mc.widths(), mc.act(), mc.bias(), mc.vocab(), mc.ctx(), mc.dModel(),
                mc.heads(), mc.layers(), mc.mlpRatio(), mc.dtype(), mc.seed(), mc.backend(), null, null, testDataset,
                mc.samples(), mc.subset(), false, mc.loss(), mc.chunk());
        carnot.models.data.Examples ex = Problems.examples(t, Main.err(spec));
        if (mc.standardize()) {
            ModelConfig raw = new ModelConfig(mc.model(), mc.widths(), mc.act(), mc.bias(), mc.vocab(), mc.ctx(),
                    mc.dModel(), mc.heads(), mc.layers(), mc.mlpRatio(), mc.dtype(), mc.seed(), mc.backend(), mc.weights(),
                    mc.data(), mc.dataset(), mc.samples(), mc.subset(), false, mc.loss(), mc.chunk());
            ex = ex.standardizedLike(Problems.examples(raw, Main.err(spec)));
        }
        int[] w = mc.widths();
        if (mc.loss() == Loss.MSE && ex.integerTargets() && w.length > 0) {
            ex = ex.oneHot(w[w.length - 1]);
        }
        return carnot.examples.experiments.Data.of(ex, backend, mc.dtype());
    }

    private static int width(ModelConfig mc) {
        int[] w = mc.widths();
        return mc.model() == ModelConfig.Arch.TRANSFORMER ? mc.dModel() : w.length > 2 ? w[1] : w[w.length - 1];
    }

    private static int depth(ModelConfig mc) {
        return mc.model() == ModelConfig.Arch.TRANSFORMER ? mc.layers() : Math.max(1, mc.widths().length - 2);
    }

    private static byte[] readBytes(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }
}
