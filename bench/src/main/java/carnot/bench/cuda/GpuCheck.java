package carnot.bench.cuda;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.ParamVector;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.examples.experiments.Experiment;
import carnot.examples.experiments.ExperimentRun;
import carnot.examples.experiments.Experiments;
import carnot.examples.experiments.Overrides;
import carnot.examples.experiments.Preset;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.cuda.CudaBackend;
import carnot.kernels.cuda.CudaSupport;
import carnot.kernels.gemm.GemmPrecision;
import carnot.models.Activation;
import carnot.models.Mlp;
import carnot.models.Transformer;
import carnot.models.data.Examples;
import carnot.models.data.Generated;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The one-GPU check driven by {@code bench/gpu-check.sh}: every kernel case of {@link CudaKernelCheck} on the CUDA
 * backend (checked against the CPU backend, timed, compared with the H100 roofline of kernels/CUDA.md and, with
 * {@code -Dcarnot.cuda.cublas=true}, with cuBLAS for the GEMMs), the loss+gradient and the Hessian-vector product of
 * the benchmark MLP and of the grokking transformer on the GPU backend against the CPU backend (f32 GEMMs exact),
 * the f32 GEMM cases again in the tensor-core modes TF32 and BF16 (against their own roofline and, opted in, cuBLAS
 * with the matching compute type), and the EoS smoke
 * experiment on the GPU backend. Writes {@code gpu-check.md} and {@code gpu-check.json} (one table) into the output
 * folder. Without a GPU, or with {@code --emu}, everything runs on the host emulation of the same kernels
 * ({@code cuda-emu}) at small sizes, and every time is marked emulated (a host time, not a GPU estimate).
 *
 * <p>Usage: {@code GpuCheck --out DIR [--emu] [--quick] [--reps N] [--no-eos] [--conformance TEXT]};
 * {@code --quick} uses tiny sizes (tests), {@code --conformance} is the conformance harness's outcome as the script
 * saw it, recorded in the table.
 */
public final class GpuCheck {
    private GpuCheck() {
    }

    /** What to run. */
    public record Options(Path out, boolean emu, boolean quick, int reps, boolean eos, String conformance) {
    }

    /**
     * One row of the table. Times in ms (NaN: not measured); {@code reference} is what {@code ms} is compared with:
     * the roofline (kernels), cuBLAS (GEMMs, when measured) or the CPU backend (models).
     */
    public record Row(String section, String name, String family, String dtype, String check, double ms,
                      double roofMs, double cublasMs, double cpuMs, String note) {
    }

    /** The whole outcome: device, whether emulated, rows and the failures. */
    public record Report(String device, boolean emulated, List<Row> rows, List<String> failures) {
    }

    /** Model sizes per mode. */
    private record ModelSizes(int[] mlp, int n, int p, int dModel, int heads, int reps) {
    }

    private static ModelSizes modelSizes(Options o) {
        if (o.quick()) {
            return new ModelSizes(new int[] {16, 32, 10}, 64, 7, 16, 2, 1);
        }
        if (o.emu()) {
            return new ModelSizes(new int[] {32, 64, 64, 10}, 256, 13, 32, 4, 2);
        }
        return new ModelSizes(new int[] {784, 512, 512, 512, 10}, 5000, 97, 64, 4, Math.max(3, o.reps() / 4));
    }

    /** Runs the check, printing progress to {@code log}; writes the table files into {@code o.out()}. */
    public static Report run(Options o, PrintStream log) {
        try {
            Files.createDirectories(o.out());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + o.out() + ": " + e.getMessage(), e);
        }
        List<Row> rows = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        String device;
        String t = o.emu() ? " (emulated)" : "";
        try (CudaBackend gpu = o.emu() ? CudaBackend.emulated(GemmPrecision.EXACT)
                : CudaBackend.gpu(0, false, GemmPrecision.EXACT);
             CudaBackend cublas = !o.emu() && Boolean.getBoolean("carnot.cuda.cublas") ? CudaBackend.gpu(0, true)
                     : null;
             CpuBackend cpu = new CpuBackend()) {
            device = gpu.launcher().description();
            log.println("gpu-check on " + device + (o.emu() ? " -- EMULATED: every time is a host time of the CUDA "
                    + "emulation, not a GPU estimate" : ""));
            if (o.conformance() != null) {
                rows.add(new Row("conformance", "ConformanceTest + ConformanceGemmTest on " + gpu.name(), "all", "f32, f64",
                        o.conformance(), Double.NaN, Double.NaN, Double.NaN, Double.NaN, ""));
                if (o.conformance().startsWith("FAILED")) {
                    failures.add("conformance: " + o.conformance());
                }
            }
            CudaBackend base = null;
            if (cublas != null) {
                log.println("cuBLAS baseline: " + cublas.launcher().description());
                base = cublas.launcher().description().contains("cuBLAS (") ? cublas : null;
            } else if (!o.emu()) {
                log.println("cuBLAS baseline off (opt in with -Dcarnot.cuda.cublas=true)");
            }
            CudaKernelCheck.Sizes sizes = o.quick() ? CudaKernelCheck.Sizes.quick()
                    : o.emu() ? CudaKernelCheck.Sizes.emulated() : CudaKernelCheck.Sizes.full();
            log.println("kernels" + t + ":");
            for (CudaKernelCheck.Result r : CudaKernelCheck.run(gpu, base, sizes, o.reps(), r -> log.println(
                    String.format(Locale.ROOT, "  %-55s %s err %.2e %s  %.4f ms%s  roofline %.4f ms", r.name(),
                            r.dtype(), r.err(), r.ok() ? "ok" : "DISAGREES", r.ms(), t, r.roofMs())))) {
                String check = String.format(Locale.ROOT, "%s (rel err %.1e)", r.ok() ? "ok" : "DISAGREES", r.err());
                String note = Double.isNaN(r.cublasErr()) ? ""
                        : String.format(Locale.ROOT, "cuBLAS rel err %.1e", r.cublasErr());
                rows.add(new Row("kernel", r.name(), r.family(), r.dtype().toString(), check, r.ms(), r.roofMs(),
                        r.cublasMs(), Double.NaN, note));
                if (!r.ok()) {
                    failures.add("kernel " + r.name() + ": max rel err " + r.err());
                }
            }
            log.println("GEMM tensor-core modes (TF32, BF16)" + t + ":");
            for (CudaKernelCheck.Result r : CudaKernelCheck.runGemmModes(sizes, o.reps(), o.emu(), base != null,
                    r -> log.println(String.format(Locale.ROOT, "  %-55s err %.2e %s  %.4f ms%s  roofline %.4f ms",
                            r.name(), r.err(), r.ok() ? "ok" : "DISAGREES", r.ms(), t, r.roofMs())))) {
                String check = String.format(Locale.ROOT, "%s (rel err %.1e vs exact f32)", r.ok() ? "ok"
                        : "DISAGREES", r.err());
                String note = Double.isNaN(r.cublasErr()) ? ""
                        : String.format(Locale.ROOT, "cuBLAS rel err %.1e", r.cublasErr());
                rows.add(new Row("kernel", r.name(), r.family(), r.dtype().toString(), check, r.ms(), r.roofMs(),
                        r.cublasMs(), Double.NaN, note));
                if (!r.ok()) {
                    failures.add("kernel " + r.name() + ": max rel err " + r.err());
                }
            }
            models(o, gpu, cpu, rows, failures, log);
            if (o.eos()) {
                eos(o, gpu, rows, failures, log);
            }
        }
        Report rep = new Report(device, o.emu(), rows, failures);
        write(o.out(), rep);
        log.println("wrote " + o.out().resolve("gpu-check.md") + " and " + o.out().resolve("gpu-check.json"));
        return rep;
    }

    /** A model workload built on one backend: supplies the gradient and the HVP (flattened, on that backend). */
    private record Workload(Supplier<double[]> grad, Supplier<double[]> hvp) {
    }

    private static Workload mlp(Backend be, ModelSizes s) {
        DType dt = DType.F32;
        int[] w = s.mlp();
        Mlp model = new Mlp(be, dt, w, Activation.TANH, true, 1);
        double[] y = new double[s.n() * w[w.length - 1]];
        for (int i = 0; i < s.n(); i++) {
            y[i * w[w.length - 1] + (i * 7919) % w[w.length - 1]] = 1;
        }
        DataSet data = new ArrayDataSet(Tensor.randn(be, dt, 2, 0, 1, s.n(), w[0]),
                Tensor.of(be, dt, y, s.n(), w[w.length - 1]));
        ParamVector v = ParamVector.randn(model, 3);
        return new Workload(() -> Grad.of(model, Loss.MSE, data, s.n()).grad().toDoubles(),
                () -> Hessian.of(model, Loss.MSE, data, s.n()).apply(v).toDoubles());
    }

    private static Workload transformer(Backend be, ModelSizes s) {
        int p = s.p();
        Examples all = Generated.modular(p, Generated.ModOp.ADD, 1);
        Examples e = all.select(IntStream.range(0, (int) Math.round(0.35 * all.size())).toArray());
        DataSet d = new ArrayDataSet(Tensor.indices(be, e.x().toInts(), e.x().shape()),
                Tensor.indices(be, e.y().toInts(), e.y().shape()));
        Transformer.Config c = new Transformer.Config(p + 2, 4, s.dModel(), s.heads(), 1, 2);
        Model model = new Transformer(be, DType.F32, c, true, 1);
        ParamVector v = ParamVector.randn(model, 3);
        return new Workload(() -> Grad.of(model, Loss.CE, d).grad().toDoubles(),
                () -> Hessian.of(model, Loss.CE, d).apply(v).toDoubles());
    }

    /** Median wall time of {@code reps} calls after one warm-up, each in its own scope, synchronised. */
    private static double medianMs(Backend be, int reps, Supplier<double[]> f, double[][] last) {
        try (Scope s = Scope.open()) {
            last[0] = f.get();
        }
        double[] ts = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            try (Scope s = Scope.open()) {
                last[0] = f.get();
            }
            be.synchronize();
            ts[r] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ts);
        return ts[reps / 2];
    }

    private static double relErr(double[] want, double[] got) {
        double scale = 1e-30;
        double err = 0;
        for (double x : want) {
            scale = Math.max(scale, Math.abs(x));
        }
        for (int i = 0; i < want.length; i++) {
            err = Math.max(err, Math.abs(want[i] - got[i]));
        }
        return err / scale;
    }

    private static void models(Options o, Backend gpu, Backend cpu, List<Row> rows, List<String> failures,
                               PrintStream log) {
        ModelSizes s = modelSizes(o);
        String t = o.emu() ? " (emulated)" : "";
        String mlpName = "MLP " + String.join("-", Arrays.stream(s.mlp()).mapToObj(Integer::toString).toList())
                + " tanh MSE N=" + s.n();
        String trName = "transformer p=" + s.p() + " d=" + s.dModel() + " (grokking, CE last position)";
        List<Object[]> work = List.of(new Object[] {mlpName, (Function<Backend, Workload>) be -> mlp(be, s)},
                new Object[] {trName, (Function<Backend, Workload>) be -> transformer(be, s)});
        log.println("models" + t + " (f32, GPU backend vs CPU backend " + cpu.name() + "):");
        for (Object[] w : work) {
            @SuppressWarnings("unchecked")
            Function<Backend, Workload> make = (Function<Backend, Workload>) w[1];
            String name = (String) w[0];
            try (Scope held = Scope.open()) { // the models, data and v of this workload on both backends
                Workload g = make.apply(gpu);
                Workload c = make.apply(cpu);
                for (String what : List.of("loss+gradient", "HVP (forward-over-reverse)")) {
                    boolean isGrad = what.startsWith("loss");
                    double[][] gv = new double[1][];
                    double[][] cv = new double[1][];
                    double gms = medianMs(gpu, s.reps(), isGrad ? g.grad() : g.hvp(), gv);
                    double cms = medianMs(cpu, s.reps(), isGrad ? c.grad() : c.hvp(), cv);
                    double err = relErr(cv[0], gv[0]);
                    boolean ok = err <= 1e-3;
                    String check = String.format(Locale.ROOT, "%s (rel err %.1e vs CPU)", ok ? "ok" : "DISAGREES", err);
                    rows.add(new Row("model", name + ": " + what, "engine", "f32", check, gms, Double.NaN,
                            Double.NaN, cms, ""));
                    log.println(String.format(Locale.ROOT, "  %-70s %s  GPU %.2f ms%s  CPU %.2f ms", name + ": " + what,
                            check, gms, t, cms));
                    if (!ok) {
                        failures.add(name + " " + what + ": rel err " + err + " against the CPU backend");
                    }
                }
            }
        }
    }

    private static void eos(Options o, Backend gpu, List<Row> rows, List<String> failures, PrintStream log) {
        Experiment<?> exp = Experiments.named("eos");
        Path dir = o.out().resolve("eos-smoke");
        log.println("EoS smoke experiment on " + gpu.name() + " (as ./carnot experiment eos --preset smoke --backend "
                + gpu.name() + " --out " + dir + "):");
        // On the emulation the smoke preset's 1,600 steps take ~8 min on 2 cores: run 20 steps per part there, which
        // exercises every part on the GPU backend but is too short for the laws' verdicts to mean anything.
        List<String> set = o.emu() ? List.of("gd.steps=20", "momentum.steps=20", "adam.steps=20", "textGd.steps=20")
                : List.of();
        if (!set.isEmpty()) {
            log.println("  (emulated: shortened with --set " + String.join(" --set ", set) + "; verdicts not counted)");
        }
        StringWriter sw = new StringWriter();
        ExperimentRun.Outcome out = runExperiment(exp, Overrides.parse(set), dir, gpu, new PrintWriter(sw, true));
        log.print(sw);
        String check = (out.pass() ? "every law held" : "a law FAILED") + (o.emu() ? " (shortened run, not counted)" : "");
        rows.add(new Row("experiment", "eos --preset smoke" + (o.emu() ? " --set *.steps=20" : ""), "examples", "f32",
                check, out.seconds() * 1e3, Double.NaN, Double.NaN, Double.NaN,
                "outputs in " + o.out().relativize(dir)));
        if (!out.pass() && !o.emu()) {
            failures.add("eos smoke: a law failed (see " + dir.resolve("verdict.json") + ")");
        }
    }

    private static <C extends Experiment.Config> ExperimentRun.Outcome runExperiment(Experiment<C> exp, Overrides set,
                                                                                     Path dir, Backend be,
                                                                                     PrintWriter log) {
        return ExperimentRun.execute(exp, exp.override(exp.preset(Preset.SMOKE), set), Preset.SMOKE, dir, be, log);
    }

    private static String ms(double v, boolean emu) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4g", v) + (emu ? " (emulated)" : "");
    }

    /** Writes gpu-check.md and gpu-check.json. */
    static void write(Path dir, Report r) {
        boolean emu = r.emulated();
        StringBuilder md = new StringBuilder();
        md.append("# Carnot GPU check\n\n").append("Device: ").append(r.device()).append("\n\n");
        if (emu) {
            md.append("**EMULATED**: no GPU was used; every time below is a host wall time of the CUDA emulation "
                    + "(cuda-emu) at small sizes, which checks the harness and the kernels' results, not GPU speed.\n\n");
        }
        md.append("Roofline: H100 SXM5 figures of kernels/CUDA.md (3.0 TB/s, 60 TFLOP/s f32, 30 TFLOP/s f64). "
                + "% of roofline = roofline time / measured time.\n\n");
        md.append("| section | case | family | dtype | check | time ms | H100 roofline ms | % of roofline "
                + "| cuBLAS ms | CPU backend ms | GPU speed-up vs CPU | note |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row x : r.rows()) {
            String frac = Double.isNaN(x.roofMs()) || Double.isNaN(x.ms()) ? ""
                    : String.format(Locale.ROOT, "%.1f %%", 100 * x.roofMs() / x.ms()) + (emu ? " (emulated)" : "");
            String speed = Double.isNaN(x.cpuMs()) ? ""
                    : String.format(Locale.ROOT, "%.2f", x.cpuMs() / x.ms()) + (emu ? " (emulated)" : "");
            md.append("| ").append(String.join(" | ", x.section(), x.name(), x.family(), x.dtype(), x.check(),
                    ms(x.ms(), emu), ms(x.roofMs(), false), frac, ms(x.cublasMs(), emu), ms(x.cpuMs(), false), speed,
                    x.note())).append(" |\n");
        }
        md.append("\n").append(r.failures().isEmpty() ? "Result: everything agrees.\n"
                : "Result: " + r.failures().size() + " failure(s):\n\n- " + String.join("\n- ", r.failures()) + "\n");
        StringBuilder js = new StringBuilder();
        js.append("{\n  \"device\": ").append(q(r.device())).append(",\n  \"emulated\": ").append(emu)
                .append(",\n  \"timeUnit\": \"ms\",\n  \"rows\": [\n");
        for (int i = 0; i < r.rows().size(); i++) {
            Row x = r.rows().get(i);
            js.append("    {\"section\": ").append(q(x.section())).append(", \"case\": ").append(q(x.name()))
                    .append(", \"family\": ").append(q(x.family())).append(", \"dtype\": ").append(q(x.dtype()))
                    .append(", \"check\": ").append(q(x.check())).append(", \"ms\": ").append(num(x.ms()))
                    .append(", \"emulated\": ").append(emu && !Double.isNaN(x.ms()))
                    .append(", \"rooflineMs\": ").append(num(x.roofMs()))
                    .append(", \"cublasMs\": ").append(num(x.cublasMs()))
                    .append(", \"cpuMs\": ").append(num(x.cpuMs()))
                    .append(", \"note\": ").append(q(x.note())).append("}")
                    .append(i + 1 < r.rows().size() ? ",\n" : "\n");
        }
        js.append("  ],\n  \"failures\": [");
        js.append(String.join(", ", r.failures().stream().map(GpuCheck::q).toList())).append("]\n}\n");
        try {
            Files.writeString(dir.resolve("gpu-check.md"), md);
            Files.writeString(dir.resolve("gpu-check.json"), js);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the gpu-check table into " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String num(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.6g", v);
    }

    private static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    public static void main(String[] args) {
        Path out = null;
        boolean emu = false;
        boolean quick = false;
        boolean eos = true;
        int reps = -1;
        String conformance = null;
        String usage = "usage: GpuCheck --out DIR [--emu] [--quick] [--reps N] [--no-eos] [--conformance TEXT]";
        if (args.length == 1 && args[0].equals("--probe")) { // for gpu-check.sh: "gpu" or why not
            String why = CudaSupport.unavailableReason();
            System.out.println(why == null ? "gpu" : why);
            return;
        }
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(value(args, ++i, "--out", usage));
                case "--emu" -> emu = true;
                case "--quick" -> quick = true;
                case "--no-eos" -> eos = false;
                case "--reps" -> reps = Integer.parseInt(value(args, ++i, "--reps", usage));
                case "--conformance" -> conformance = value(args, ++i, "--conformance", usage);
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'; " + usage);
            }
        }
        if (out == null) {
            throw new IllegalArgumentException("--out DIR is required; " + usage);
        }
        if (!emu) {
            String why = CudaSupport.unavailableReason();
            if (why != null) {
                System.out.println("no GPU (" + why + "): running on the CUDA emulation (cuda-emu); every time is "
                        + "marked emulated");
                emu = true;
            }
        }
        if (reps < 1) {
            reps = emu ? 1 : 20;
        }
        Report r = run(new Options(out, emu, quick, reps, eos, conformance), System.out);
        if (!r.failures().isEmpty()) {
            System.out.println(r.failures().size() + " failure(s): " + r.failures());
            System.exit(1);
        }
    }

    private static String value(String[] args, int i, String flag, String usage) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value; " + usage);
        }
        return args[i];
    }
}
