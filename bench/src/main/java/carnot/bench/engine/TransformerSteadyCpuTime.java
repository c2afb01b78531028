package carnot.bench.engine;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.ParamVector;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.models.Transformer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Steady-state cost of the transformer gradient and Hessian-vector product in one long-running process, for A/B
 * runs of two builds (bench/run-transformer-ab.sh). The problem is WarmupTimeline's and the PyTorch peer's
 * (bench/python/warmup_peer.py): 2 layers, d 128, 4 heads, context 64, vocab 64, batch 32, f32, CE at every
 * position, one chunk.
 *
 * <p>Runs {@code grads} gradients ({@code Grad.of}) then {@code hvps} products ({@code Hessian.of(..).apply}), each
 * in its own scope, and prints for each phase the median over its second half of: process CPU ms (all threads:
 * the backend's workers, GC and JIT included), the calling thread's CPU ms, and wall ms. With {@code threads = 1}
 * everything runs on the calling thread, so its CPU time is the work alone. The last line is a hash of the last
 * gradient's and product's values (equal hashes = bitwise-identical results between builds).
 *
 * <p>Other shapes (vocab 64, 4 heads, 2 layers, MLP ratio 4 kept): {@code d}, {@code context} and {@code batch}.
 * A {@code shape} line gives the gradient's GEMM FLOPs (3× the forward's dense products, attention's two counted
 * over the full square as dense peers compute them) and a {@code gemm} line this process's f32 GEMM rate on the
 * largest product of the model ([batch·context, d] × [d, 4d], process CPU time, measured after the phases so
 * that compilation is over), the ceiling the gradient's rate
 * is compared with; a {@code memory} line the process's peak resident set after the phases.
 *
 * <p>Usage: {@code java ... carnot.bench.engine.TransformerSteadyCpuTime [threads=2] [grads=300] [hvps=100] [d=128]
 * [context=64] [batch=32] [attention=default|fused|decomposed]} (default: the model's choice for the backend,
 * decomposed on the CPU).
 */
public final class TransformerSteadyCpuTime {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    private TransformerSteadyCpuTime() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int grads = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int hvps = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int d = args.length > 3 ? Integer.parseInt(args[3]) : 128;
        int t = args.length > 4 ? Integer.parseInt(args[4]) : 64;
        int b = args.length > 5 ? Integer.parseInt(args[5]) : 32;
        String attention = args.length > 6 ? args[6] : "default";
        try (Backend be = new CpuBackend(threads); Scope outer = Scope.open()) {
            Transformer.Config config = new Transformer.Config(64, t, d, 4, 2, 4);
            double tokens = (double) b * t;
            double forward = tokens * (config.layers() * ((8.0 + 4 * config.mlpRatio()) * d * d + 4.0 * t * d)
                    + 2.0 * d * config.vocab());
            System.out.printf(Locale.ROOT, "shape d=%d context=%d batch=%d heads=%d layers=%d gradient_gemm_gflop %.3f%n",
                    d, t, b, config.heads(), config.layers(), 3 * forward / 1e9);
            Model model = switch (attention) {
                case "default" -> new Transformer(be, DType.F32, config, false, 1);
                case "fused", "decomposed" -> new Transformer(be, DType.F32, config, false, 1, attention.equals("fused"));
                default -> throw new IllegalArgumentException("attention must be default, fused or decomposed; given "
                        + attention);
            };
            DataSet data = new ArrayDataSet(Tensor.indices(be, tokens(b * t, 64, 3), b, t),
                    Tensor.indices(be, tokens(b * t, 64, 4), b, t));
            ParamVector v = ParamVector.randn(model, 7);
            long[] hash = new long[1];
            phase("gradient", threads, grads, () -> Grad.of(model, Loss.CE, data, b).grad().flatten(), hash);
            phase("hvp", threads, hvps, () -> Hessian.of(model, Loss.CE, data, b).apply(v).flatten(), hash);
            System.out.printf(Locale.ROOT, "memory peak_rss_mb %.1f%n", peakRssMb());
            gemmRate(be, b * t, d, 4 * d);
            System.out.printf(Locale.ROOT, "hash %016x%n", hash[0]);
        }
    }

    /**
     * Prints the f32 GEMM rate of C[m, n] = A[m, k] B[k, n] in GFLOP per process-CPU second and per CPU second of
     * the calling thread (medians of 15).
     */
    private static void gemmRate(Backend be, int m, int k, int n) {
        double[] rate = new double[15];
        double[] threadRate = new double[15];
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.randn(be, DType.F32, 11, 0, 1.0, m, k);
            Tensor w = Tensor.randn(be, DType.F32, 12, 0, 1.0, k, n);
            for (int i = -10; i < rate.length; i++) {
                long p0 = processCpuNanos();
                long c0 = MX.getCurrentThreadCpuTime();
                try (Scope inner = Scope.open()) {
                    a.matmul(w);
                }
                if (i >= 0) {
                    long c1 = MX.getCurrentThreadCpuTime();
                    rate[i] = 2.0 * m * k * n / (processCpuNanos() - p0);
                    threadRate[i] = 2.0 * m * k * n / (c1 - c0);
                }
            }
        }
        System.out.printf(Locale.ROOT, "gemm m=%d k=%d n=%d gflop_per_cpu_s %.1f gflop_per_thread_cpu_s %.1f%n", m, k,
                n, median(rate), median(threadRate));
    }

    private static void phase(String name, int threads, int count, Supplier<Tensor> f, long[] hash) {
        if (count <= 0) {
            return;
        }
        double[] cpu = new double[count];
        double[] thread = new double[count];
        double[] wall = new double[count];
        double[] compute = new double[count];
        for (int i = 0; i < count; i++) {
            long k0 = computeCpuNanos();
            long p0 = processCpuNanos();
            long c0 = MX.getCurrentThreadCpuTime();
            long w0 = System.nanoTime();
            try (Scope s = Scope.open()) {
                Tensor out = f.get();
                if (i == count - 1) {
                    long h = 1469598103934665603L;
                    for (double x : out.toDoubles()) {
                        h = (h ^ Double.doubleToRawLongBits(x)) * 1099511628211L;
                    }
                    hash[0] = hash[0] * 31 + h;
                }
            }
            wall[i] = (System.nanoTime() - w0) / 1e6;
            thread[i] = (MX.getCurrentThreadCpuTime() - c0) / 1e6;
            cpu[i] = (processCpuNanos() - p0) / 1e6;
            compute[i] = (computeCpuNanos() - k0) / 1e6;
        }
        System.out.printf(Locale.ROOT, "%s threads=%d n=%d process_cpu_ms %.2f thread_cpu_ms %.2f wall_ms %.2f"
                        + " compute_cpu_ms %.2f (medians of %d..%d; first 10 wall %.1f, process cpu %.1f)%n", name,
                threads, count, secondHalfMedian(cpu), secondHalfMedian(thread), secondHalfMedian(wall),
                secondHalfMedian(compute), count / 2 + 1, count,
                median(Arrays.copyOf(wall, Math.min(10, count))), median(Arrays.copyOf(cpu, Math.min(10, count))));
    }

    /**
     * CPU time of every thread of this process in ns, from /proc/self/task/{@literal *}/schedstat (native OpenBLAS
     * threads included, which ThreadMXBean does not see; OperatingSystemMXBean's figure has 10 ms granularity).
     */
    static long processCpuNanos() {
        return tasksCpuNanos(false);
    }

    /**
     * CPU time in ns of the threads that compute: the calling thread and the kernel pool's workers (named
     * {@code carnot-cpu}), from /proc/self/task/{@literal *}/{comm,schedstat}; JIT compiler, GC and VM threads are
     * left out, so that a 2-thread figure compares with a 1-thread calling-thread figure without the compilation
     * that a young JVM still does.
     */
    static long computeCpuNanos() {
        return MX.getCurrentThreadCpuTime() + tasksCpuNanos(true);
    }

    /** Sum of /proc/self/task/{@literal *}/schedstat run times in ns: every thread, or the pool's workers only. */
    private static long tasksCpuNanos(boolean poolOnly) {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                try {
                    if (!poolOnly || Files.readString(t.resolve("comm")).strip().equals("carnot-cpu")) {
                        String s = Files.readString(t.resolve("schedstat"));
                        sum += Long.parseLong(s.substring(0, s.indexOf(' ')));
                    }
                } catch (IOException e) {
                    // the thread ended between listing and reading
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sum;
    }

    /** This process's peak resident set (VmHWM of /proc/self/status) in MB: heap, off-heap tensors and libraries. */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Double.NaN;
    }

    private static double secondHalfMedian(double[] x) {
        return median(Arrays.copyOfRange(x, x.length / 2, x.length));
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    private static int[] tokens(int n, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.nextInt(vocab);
        }
        return out;
    }
}
