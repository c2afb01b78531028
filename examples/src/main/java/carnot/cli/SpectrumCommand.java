package carnot.cli;

import carnot.engine.GaussNewton;
import carnot.engine.Hessian;
import carnot.engine.LinearOperator;
import carnot.engine.Linearized;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.engine.io.NdArray;
import carnot.engine.io.Npz;
import carnot.science.spectral.BlockOperator;
import carnot.science.spectral.Eigen;
import carnot.science.spectral.FullSpectrum;
import carnot.science.spectral.Lanczos;
import carnot.science.spectral.Stop;
import carnot.science.spectral.Lobpcg;
import carnot.science.spectral.PowerIteration;
import carnot.science.spectral.Slq;
import carnot.science.spectral.SpectralDensity;
import carnot.science.spectral.Trace;
import carnot.science.spectral.Which;
import carnot.science.train.Json;
import carnot.kernels.DType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code carnot spectrum}: eigenvalues, trace or spectral density of the exact full-batch Hessian (or Gauss-Newton
 * matrix), of all parameters or one block. JSON on stdout with {@code --json}: the eigenvalues, their residual norms
 * {@code ||H x - lambda x||}, the number of Hessian-vector products, the wall time and the process CPU time of the
 * computation (including the one recording pass of the linearized operator, {@code --linearize on}).
 */
@Command(name = "spectrum", mixinStandardHelpOptions = true,
        description = {"Hessian spectra: Lanczos/LOBPCG/power eigenvalues, full eigendecomposition, SLQ density, trace.",
            "Each flag applies to the methods its description names; any other is refused.",
            Problems.TRANSFORMER_TARGETS})
public final class SpectrumCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Mixin
    SparkOptions spark;

    @Option(names = "--method", defaultValue = "lanczos", paramLabel = "lanczos|lobpcg|power|full|slq|trace",
            description = "Algorithm (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--matrix", defaultValue = "hessian", paramLabel = "hessian|gn",
            description = "Operator: the loss Hessian or the Gauss-Newton matrix J^T H_loss J (default ${DEFAULT-VALUE}).")
    String matrix;

    @Option(names = "--top", defaultValue = "1", description = "All but slq and trace: number of largest eigenvalues (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--bottom", defaultValue = "0", description = "lanczos, lobpcg, full: number of smallest eigenvalues (default ${DEFAULT-VALUE}).")
    int bottom;

    @Option(names = "--magnitude", description = "Rank by |eigenvalue| instead of algebraically (lanczos only).")
    boolean magnitude;

    @Option(names = "--tol", description = "lanczos, lobpcg, power: residual tolerance (lanczos --stop eigenvalue: eigenvalue error bound) relative to the largest |eigenvalue| (default 1e-6 f64, 1e-4 f32).")
    Double tol;

    @Option(names = "--stop", defaultValue = "residual", paramLabel = "residual|eigenvalue",
            description = "lanczos: stop when each wanted residual ||Hv - λv|| (residual) or each eigenvalue's error"
                    + " bound min(r, r²/gap) (eigenvalue) is at most --tol × the largest |eigenvalue| (default ${DEFAULT-VALUE}).")
    String stop;

    @Option(names = "--max-iter", defaultValue = "1000", description = "lanczos, lobpcg, power: maximum Hessian-vector products per solve (default ${DEFAULT-VALUE}).")
    int maxIter;

    @Option(names = "--basis", defaultValue = "0", description = "lanczos: basis size before a restart (0 = max(20, 3k)).")
    int basis;

    @Option(names = "--probes", defaultValue = "10", description = "slq, trace: random probes (default ${DEFAULT-VALUE}).")
    int probes;

    @Option(names = "--steps", defaultValue = "80", description = "slq: Lanczos steps per probe (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = "16", description = "full, slq, trace: Hessian-vector products per batched pass (default ${DEFAULT-VALUE}; full: as many as --memory allows unless given).")
    int batch;

    @Option(names = "--memory", paramLabel = "BYTES[K|M|G]", description = "full: memory the batched products may"
            + " hold besides the P x P matrix (identity rows, their copies, the operator's tangents), e.g. 512M; the"
            + " batch is as many directions as fit (default: half the matrix's size). Given, it also bounds the buffer"
            + " pools to the most memory the tensors ever held at once (lower peak memory; passes re-allocate, more CPU).")
    String memory;

    @Option(names = "--sigma", defaultValue = "0.01", description = "slq: Gaussian width relative to the spectral range (default ${DEFAULT-VALUE}).")
    double sigma;

    @Option(names = "--grid", defaultValue = "1000", description = "slq: density grid points (default ${DEFAULT-VALUE}).")
    int grid;

    @Option(names = "--solver-seed", defaultValue = "0", description = "All but full: seed of start vectors and probes (default ${DEFAULT-VALUE}).")
    long solverSeed;

    @Option(names = "--linearize", defaultValue = "auto", paramLabel = "auto|on|off",
            description = "on: record the primal pass once and replay only tangent work per product (faster; holds the"
                    + " activations of the whole data set); off: a fresh forward-over-reverse pass per product;"
                    + " auto: on unless that memory would exceed a quarter of the machine's RAM"
                    + " (default ${DEFAULT-VALUE}).")
    String linearize;

    @Option(names = "--block", paramLabel = "NAME", description = "Restrict to the parameters named NAME or NAME.* (e.g. layers.1).")
    String block;

    @Option(names = "--all", description = "With --method full: print every eigenvalue.")
    boolean all;

    @Option(names = "--json", description = "Print JSON only.")
    boolean json;

    @Option(names = "--plot", paramLabel = "density.png", description = "With --method slq: write the density plot.")
    Path plot;

    @Option(names = "--table", paramLabel = "density.tsv", description = "With --method slq: write the density table.")
    Path table;

    @Option(names = "--save-vectors", paramLabel = "V.npz",
            description = "lanczos, lobpcg, power, full: write eigenvectors as rows (array 'vectors' [k, P]) and 'eigenvalues'; with full all P, ascending.")
    Path saveVectors;

    @Option(names = "--warm-start", paramLabel = "V.npz", description = "lanczos, lobpcg, power: start from eigenvectors saved by --save-vectors.")
    Path warmStart;

    @Spec
    CommandSpec spec;

    /** The validated spectral settings (everything but the model). */
    record Settings(String method, int top, int bottom, boolean magnitude, double tol, Stop stop, int maxIter,
                    int basis, int probes, int steps, int batch, double sigma, int grid, long seed, boolean all,
                    boolean vectors, FullSpectrum.Batch full) {
        /** Settings whose full method uses exactly {@code batch} directions per pass. */
        Settings(String method, int top, int bottom, boolean magnitude, double tol, Stop stop, int maxIter,
                 int basis, int probes, int steps, int batch, double sigma, int grid, long seed, boolean all,
                 boolean vectors) {
            this(method, top, bottom, magnitude, tol, stop, maxIter, basis, probes, steps, batch, sigma, grid, seed, all,
                    vectors, FullSpectrum.Batch.of(Math.max(1, batch)));
        }

        Settings {
            if (!java.util.List.of("lanczos", "lobpcg", "power", "full", "slq", "trace").contains(method)) {
                throw new IllegalArgumentException("--method must be lanczos, lobpcg, power, full, slq or trace; given '"
                        + method + "'");
            }
            if (top < 0 || bottom < 0 || (top + bottom == 0 && !method.equals("slq") && !method.equals("trace"))) {
                throw new IllegalArgumentException("--top and --bottom must be >= 0 and not both 0; given top " + top
                        + ", bottom " + bottom);
            }
            if (!(tol > 0) || maxIter < 1 || basis < 0 || probes < 1 || steps < 1 || batch < 1 || grid < 2
                    || !(sigma > 0)) {
                throw new IllegalArgumentException("need --tol > 0, --max-iter >= 1, --basis >= 0, --probes >= 1,"
                        + " --steps >= 1, --batch >= 1, --grid >= 2, --sigma > 0; given tol " + tol + ", max-iter "
                        + maxIter + ", basis " + basis + ", probes " + probes + ", steps " + steps + ", batch " + batch
                        + ", grid " + grid + ", sigma " + sigma);
            }
            if (magnitude && !method.equals("lanczos")) {
                throw new IllegalArgumentException("--magnitude needs --method lanczos; given " + method);
            }
        }
    }

    @Override
    public Integer call() {
        ModelConfig cfg = options.config();
        double t = tol != null ? tol : (cfg.dtype() == DType.F32 ? 1e-4 : 1e-6);
        Settings s;
        try {
            s = new Settings(method.toLowerCase(Locale.ROOT), top, bottom, magnitude, t, Stop.parse(stop), maxIter,
                    basis, probes,
                    steps, batch, sigma, grid, solverSeed, all, saveVectors != null, fullBatch());
        } catch (IllegalArgumentException e) {
            throw new FlagException(e.getMessage(), e);
        }
        refuseUnused(s.method());
        ModelOptions.refuseUnusedSeed(spec, cfg);
        if (!matrix.equals("hessian") && !matrix.equals("gn")) {
            throw new FlagException("--matrix must be hessian or gn; given '" + matrix + "'");
        }
        if (!java.util.List.of("auto", "on", "off").contains(linearize)) {
            throw new FlagException("--linearize must be auto, on or off; given '" + linearize + "'");
        }
        Problems.Problem p = Problems.build(cfg, Main.err(spec));
        try (SparkOptions.Connection dist = spark.open(p, p.model(), Main.err(spec));
             Scope scope = memory != null ? Scope.openBounded() : Scope.open()) {
            Hessian h = matrix.equals("gn") ? GaussNewton.of(p.model(), p.loss(), p.data(), p.chunk())
                    : Hessian.of(p.model(), p.loss(), p.data(), p.chunk());
            if (s.method().equals("full")) {
                LinearOperator sized = block != null ? BlockOperator.ofParams(h, p.model().params(), block) : h;
                checkFullFits(sized.dim(), cfg.dtype() == DType.F32 ? 4 : 8, saveVectors != null,
                        availableMemory());
            }
            long t0 = System.nanoTime();
            long cpu0 = processCpuNanos();
            Linearized lin = null;
            String skipped = null;
            if (dist == null && linearize.equals("on")) {
                lin = h.linearize();
            } else if (dist == null && linearize.equals("auto")) {
                try {
                    lin = h.linearize(Linearized.defaultBudget());
                } catch (IllegalStateException e) {
                    skipped = e.getMessage();
                    Main.err(spec).println("carnot spectrum: fresh products per HVP; " + skipped);
                }
            }
            LinearOperator distributed = dist == null ? null : dist.operator(
                    carnot.science.train.ModelObjective.flatten(p.model()).toDoubles(), matrix.equals("gn"), linearize, Main.err(spec));
            double recordWall = (System.nanoTime() - t0) * 1e-9;
            double recordCpu = (processCpuNanos() - cpu0) * 1e-9;
            LinearOperator op = distributed != null ? distributed : lin != null ? lin : h;
            if (block != null) {
                op = BlockOperator.ofParams(op, p.model().params(), block);
            }
            Tensor warm = warmStart == null ? null : loadVectors(warmStart, op, cfg.allowNonfinite());
            Result r = compute(op, s, warm);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("matrix", matrix);
            out.put("block", block);
            out.put("dtype", ModelConfig.flag(cfg.dtype()));
            out.put("chunk", p.chunk());
            out.put("linearized", lin != null);
            if (skipped != null) {
                out.put("linearize_skipped", skipped);
            }
            if (lin != null) {
                out.put("linearize_seconds", recordWall);
                out.put("linearized_bytes", lin.bytes());
            }
            if (dist != null) {
                out.putAll(dist.json());
            }
            out.putAll(r.json());
            out.put("tensor_peak_bytes", scope.peakBytes());
            out.put("tensor_pooled_bytes", scope.pooledBytes());
            out.put("tensor_high_water_bytes", scope.highWaterBytes());
            out.put("wall_seconds", (Double) r.json().get("wall_seconds") + recordWall);
            out.put("cpu_seconds", (Double) r.json().get("cpu_seconds") + recordCpu);
            if (r.density() != null && plot != null) {
                r.density().plot(plot, "Hessian spectral density (SLQ, " + s.probes() + " probes, " + s.steps()
                        + " steps)");
            }
            if (r.density() != null && table != null) {
                writeText(table, r.density().table());
            }
            if (saveVectors != null) {
                if (r.vectors() == null) {
                    throw new IllegalArgumentException("--save-vectors needs an eigenvector method (lanczos, lobpcg,"
                            + " power, full); given " + s.method());
                }
                Npz.write(Map.of("vectors", NdArray.ofF64(r.vectors().toDoubles(), r.vectors().shape()),
                        "eigenvalues", NdArray.ofF64(r.vectorValues(), r.vectorValues().length)), saveVectors, false);
            }
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                o.println(Json.write(out));
            } else {
                o.print(Json.pretty(out));
                if (r.density() != null && table == null) {
                    o.print(r.density().table());
                }
            }
            o.flush();
            if (lin != null) {
                lin.close();
            }
        }
        return 0;
    }

    /** --batch when given, else the --memory budget (default: half the matrix's size). */
    private FullSpectrum.Batch fullBatch() {
        if (FlagException.given(spec, "--batch")) {
            FlagException.refuseGiven(spec, "with --batch (a fixed count; --memory sizes the batch instead)", "--memory");
            return FullSpectrum.Batch.of(batch);
        }
        return memory == null ? FullSpectrum.Batch.matrixSized() : FullSpectrum.Batch.budget(bytes("--memory", memory));
    }

    /** "123", "64K", "512M", "2G" (powers of 1024) as bytes; a flag error naming the flag and value otherwise. */
    static long bytes(String flag, String v) {
        String t = v.trim().toUpperCase(Locale.ROOT);
        int shift = t.endsWith("K") ? 10 : t.endsWith("M") ? 20 : t.endsWith("G") ? 30 : 0;
        String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
        try {
            long n = Long.parseLong(digits);
            if (n < 1 || n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new FlagException(flag + " must be a positive byte count like 512M or 2G; given '" + v + "'");
        }
    }

    /**
     * Refuses each flag given that {@code method} would not read: the eigen-solver flags outside lanczos, lobpcg and
     * power, the probe flags outside slq and trace, and so on (see each flag's description).
     */
    private void refuseUnused(String m) {
        boolean eigen = m.equals("lanczos") || m.equals("lobpcg") || m.equals("power");
        if (!eigen) {
            FlagException.refuseGiven(spec, "to --method " + m + " (lanczos, lobpcg and power only)", "--tol",
                    "--max-iter", "--warm-start");
        }
        if (!m.equals("lanczos")) {
            FlagException.refuseGiven(spec, "to --method " + m + " (lanczos only)", "--basis", "--magnitude", "--stop");
        }
        if (!m.equals("full")) {
            FlagException.refuseGiven(spec, "to --method " + m + " (full only)", "--memory");
        }
        if (!m.equals("slq")) {
            FlagException.refuseGiven(spec, "to --method " + m + " (slq only)", "--steps", "--sigma", "--grid",
                    "--plot", "--table");
        }
        if (!m.equals("slq") && !m.equals("trace")) {
            FlagException.refuseGiven(spec, "to --method " + m + " (slq and trace only)", "--probes");
        }
        if (m.equals("slq") || m.equals("trace")) {
            FlagException.refuseGiven(spec, "to --method " + m + " (it estimates the whole spectrum, not"
                    + " eigenvalues; use lanczos, lobpcg, power or full)", "--top", "--bottom", "--save-vectors");
        }
        if (m.equals("full")) {
            FlagException.refuseGiven(spec, "to --method full (it is exact and deterministic: no start vectors)",
                    "--solver-seed");
        } else {
            FlagException.refuseGiven(spec, "to --method " + m + " (full only)", "--all");
        }
        if (eigen) {
            FlagException.refuseGiven(spec, "to --method " + m + " (its products go one direction at a time; full,"
                    + " slq and trace batch them)", "--batch");
        }
        if (m.equals("power") && (bottom > 0 || top != 1)) {
            throw new FlagException("--method power finds the one top eigenvalue by magnitude; given --top " + top
                    + ", --bottom " + bottom + " (use lanczos or lobpcg)");
        }
    }

    /**
     * Refuses {@code --method full} when its dense matrices would not fit: assembling needs the P x P matrix and the
     * batched products' working set (its budget: half the matrix by default), counted as two P x P matrices
     * ({@code 2 P^2 b} bytes for b bytes per element, a margin for the products' pools), the eigendecomposition with eigenvectors a third
     * (LAPACK's workspace), and {@code --save-vectors} a host copy of all P^2 vector elements in f64 and their file
     * image ({@code 16 P^2} bytes more). The error states the estimate, the memory available and the
     * alternatives.
     */
    static void checkFullFits(long p, int bytes, boolean vectors, long available) {
        double need = (double) p * p * bytes * (vectors ? 3 : 2) + (vectors ? 16.0 * p * p : 0);
        if (need > available) {
            throw new FlagException(String.format(Locale.ROOT, "--method full on P = %d parameters needs about %.3g"
                    + " GB (%s P x P matrices of %d-byte elements%s) but %.3g GB are available; use --method lanczos"
                    + " (--top K / --bottom K eigenvalues) or --method slq (the spectral density) instead, or"
                    + " --block NAME for one block", p, need / 1e9, vectors ? "three" : "two", bytes,
                    vectors ? " and the saved vectors" : "", available / 1e9));
        }
    }

    /** Memory available to new allocations: MemAvailable of /proc/meminfo, else the JVM's free physical memory. */
    static long availableMemory() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // not Linux: fall through
        }
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os ? os.getFreeMemorySize() : Long.MAX_VALUE;
    }

    /** What {@link #compute} returns: the JSON fields, and for file outputs the density or eigenvectors. */
    record Result(Map<String, Object> json, SpectralDensity density, Tensor vectors, double[] vectorValues) {
    }

    /** Runs the method of {@code s} on {@code op}; {@code warm} [k, P] or null. */
    static Result compute(LinearOperator op, Settings s, Tensor warm) {
        long t0 = System.nanoTime();
        long cpu0 = processCpuNanos();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("method", s.method());
        j.put("dim", op.dim());
        SpectralDensity density = null;
        Tensor vectors = null;
        double[] vectorValues = null;
        int hvps = 0;
        switch (s.method()) {
            case "lanczos", "lobpcg", "power" -> {
                if (s.top() > 0) {
                    Eigen e = solve(op, s, s.top(), s.magnitude() ? Which.LARGEST_MAGNITUDE : Which.LARGEST, warm);
                    j.put("top", eigenJson(e));
                    j.put("eigenvalues", e.values());
                    hvps += e.products();
                    vectors = e.vectors();
                    vectorValues = e.values();
                }
                if (s.bottom() > 0) {
                    if (s.method().equals("power")) {
                        throw new IllegalArgumentException("--method power finds the top eigenvalue by magnitude only;"
                                + " --bottom needs lanczos or lobpcg");
                    }
                    Eigen e = solve(op, s, s.bottom(), s.magnitude() ? Which.SMALLEST_MAGNITUDE : Which.SMALLEST,
                            s.top() > 0 ? null : warm);
                    j.put("bottom", eigenJson(e));
                    hvps += e.products();
                    if (vectors == null) {
                        vectors = e.vectors();
                        vectorValues = e.values();
                        j.put("eigenvalues", e.values());
                    }
                }
            }
            case "full" -> {
                FullSpectrum f = FullSpectrum.compute(op, s.full(), s.vectors());
                double[] v = f.values();
                if (f.vectors() != null) {
                    vectors = f.vectors().transpose(0, 1);
                    vectorValues = v;
                }
                int kt = Math.min(s.top(), v.length);
                int kb = Math.min(s.bottom(), v.length);
                double[] topV = new double[kt];
                for (int i = 0; i < kt; i++) {
                    topV[i] = v[v.length - 1 - i];
                }
                j.put("eigenvalues", topV);
                j.put("top", Map.of("eigenvalues", topV));
                if (kb > 0) {
                    j.put("bottom", Map.of("eigenvalues", Arrays.copyOf(v, kb)));
                }
                j.put("asymmetry", f.asymmetry());
                j.put("batch", f.batch());
                j.put("direction_bytes", FullSpectrum.Batch.bytesPerDirection(op));
                j.put("trace", Arrays.stream(v).sum());
                if (s.all()) {
                    j.put("spectrum", v);
                }
                hvps = f.products();
            }
            case "slq" -> {
                density = Slq.density(op, new Slq.Options(s.probes(), s.steps(), s.batch(), s.seed(), s.grid(),
                        s.sigma()));
                j.put("probes", s.probes());
                j.put("steps", s.steps());
                j.put("sigma", density.sigma());
                j.put("integral", density.integral());
                double[] moments = new double[4];
                for (int p = 1; p <= 4; p++) {
                    moments[p - 1] = density.moment(p);
                }
                j.put("moments_over_dim", moments);
                j.put("trace_estimate", density.moment(1) * op.dim());
                j.put("nodes", density.nodes());
                j.put("weights", density.weights());
                hvps = density.products();
            }
            case "trace" -> {
                Trace.Estimate h = Trace.hutchinson(op, Math.max(2, s.probes()), s.batch(), s.seed());
                Trace.Estimate hpp = Trace.hutchPlusPlus(op, Math.max(6, 3 * ((s.probes() + 2) / 3)), s.batch(),
                        s.seed());
                j.put("hutchinson", Map.of("trace", h.trace(), "std_error", h.stdError(), "hvps", h.products()));
                j.put("hutchpp", Map.of("trace", hpp.trace(), "std_error", hpp.stdError(), "hvps", hpp.products()));
                hvps = h.products() + hpp.products();
            }
            default -> throw new IllegalStateException("unreachable method " + s.method());
        }
        j.put("hvps", hvps);
        j.put("wall_seconds", (System.nanoTime() - t0) * 1e-9);
        j.put("cpu_seconds", (processCpuNanos() - cpu0) * 1e-9);
        return new Result(j, density, vectors, vectorValues);
    }

    /** CPU time of the whole process (all threads) in ns: robust to other processes sharing the cores. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static Eigen solve(LinearOperator op, Settings s, int k, Which which, Tensor warm) {
        return switch (s.method()) {
            case "lanczos" -> Lanczos.solve(op, Lanczos.Options.of(k, which).withTol(s.tol()).withStop(s.stop())
                    .withMaxIter(s.maxIter()).withBasis(s.basis() > 0 ? s.basis() : Math.max(20, 3 * k)).withSeed(s.seed()).withWarmStart(warm));
            case "lobpcg" -> Lobpcg.solve(op, k, which, s.tol(), s.maxIter(), s.seed(), warm);
            case "power" -> {
                if (k != 1) {
                    throw new IllegalArgumentException("--method power finds one eigenvalue; given --top " + k);
                }
                yield PowerIteration.solve(op, s.tol(), s.maxIter(), s.seed(), warm);
            }
            default -> throw new IllegalStateException("not an eigen method: " + s.method());
        };
    }

    private static Map<String, Object> eigenJson(Eigen e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("eigenvalues", e.values());
        m.put("residuals", e.residuals());
        m.put("error_bounds", e.errorBounds());
        m.put("hvps", e.products());
        m.put("converged", e.converged());
        m.put("seconds", e.seconds());
        return m;
    }

    private static Tensor loadVectors(Path file, LinearOperator op, boolean allowNonfinite) {
        NdArray a = Npz.require(Problems.readInput(file, "--warm-start", allowNonfinite), "vectors", file);
        int[] sh = a.shape();
        if (sh.length != 2 || sh[1] != op.dim()) {
            throw new IllegalArgumentException("--warm-start " + file + ": array 'vectors' must be [k, " + op.dim()
                    + "]; given " + Arrays.toString(sh));
        }
        return Tensor.of(op.backend(), op.dtype(), a.toDoubles(), sh);
    }

    private static void writeText(Path file, String text) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                java.nio.file.Files.createDirectories(parent);
            }
            carnot.engine.io.AtomicFiles.write(file, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
