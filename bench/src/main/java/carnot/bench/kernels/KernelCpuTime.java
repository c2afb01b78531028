package carnot.bench.kernels;

import carnot.kernels.Backend;
import carnot.kernels.Binary;
import carnot.kernels.Broadcast;
import carnot.kernels.Buffer;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import carnot.kernels.Unary;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Kernel throughput measured in CPU time, for machines whose cores are time-shared with other processes (where
 * wall-clock JMH numbers mostly measure the other processes). GEMM: GFLOP per process CPU-second times the
 * thread count ("cpu-normalised": what the call reaches on dedicated cores), on 1 thread (clean: no time lost
 * waiting for a descheduled partner thread) and on {@code threads}. Elementwise, softmax, layer norm and
 * copy: one thread, GB/s per thread CPU-second, scalar reference vs Vector API. Each value is the best of
 * several calls (GEMM: batches of calls, as process CPU time
 * ticks coarsely) after warm-up. The PyTorch peer {@code bench/python/gemm_peer.py} reports the same quantities.
 *
 * <pre>java -cp ... carnot.bench.kernels.KernelCpuTime [gemmThreads=2]</pre>
 */
public final class KernelCpuTime {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private KernelCpuTime() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        gemm(1);
        if (threads > 1) {
            gemm(threads);
        }
        try (CpuBackend simd = new CpuBackend(1); RefBackend ref = new RefBackend()) {
            for (DType t : new DType[]{DType.F32, DType.F64}) {
                int n = 1 << 20;
                for (String op : new String[]{"copy", "add", "tanh", "exp", "gelu", "sigmoid", "softplus", "softmax",
                        "layernorm"}) {
                    double s = rowwise(simd, t, op, n, 30);
                    double r = op.equals("copy") ? Double.NaN : rowwise(ref, t, op, n, 3);
                    int words = op.equals("add") ? 3 : 2;
                    double bytes = (double) words * n * t.bytes();
                    System.out.printf(Locale.ROOT, "carnot %s %s n=%d 1-thread: simd %.2f GB/s, ref %.2f GB/s, "
                                    + "simd/ref %.1fx%n", op, name(t), n, bytes / s / 1e9, bytes / r / 1e9, r / s);
                }
            }
        }
    }

    private static String name(DType t) {
        return t.name().toLowerCase(Locale.ROOT);
    }

    private static void gemm(int threads) {
        try (CpuBackend be = new CpuBackend(threads)) {
            for (DType t : new DType[]{DType.F32, DType.F64}) {
                for (int n : new int[]{512, 1024, 2048}) {
                    long nn = (long) n * n;
                    Buffer a = be.alloc(t, nn);
                    Buffer b = be.alloc(t, nn);
                    Buffer c = be.alloc(t, nn);
                    be.uniform(a, nn, 1, 0, -1, 1);
                    be.uniform(b, nn, 2, 0, -1, 1);
                    double flop = 2.0 * n * n * n;
                    int batch = (int) Math.max(1, 2e10 / flop);
                    double bestWall = Double.MAX_VALUE;
                    double bestCpu = Double.MAX_VALUE;
                    for (int r = 0; r < 7; r++) {
                        long c0 = OS.getProcessCpuTime();
                        long w0 = System.nanoTime();
                        for (int q = 0; q < batch; q++) {
                            be.gemm(false, false, n, n, n, 1, a, 0, n, b, 0, n, 0, c, 0, n);
                        }
                        long w1 = System.nanoTime();
                        long c1 = OS.getProcessCpuTime();
                        if (r >= 2) {
                            bestWall = Math.min(bestWall, (w1 - w0) * 1e-9 / batch);
                            bestCpu = Math.min(bestCpu, (c1 - c0) * 1e-9 / batch);
                        }
                    }
                    System.out.printf(Locale.ROOT, "carnot gemm %s n=%d threads=%d: wall %.1f GFLOP/s, "
                                    + "cpu-normalised %.1f GFLOP/s%n", name(t), n, threads, flop / bestWall / 1e9,
                            flop / (bestCpu / threads) / 1e9);
                    a.close();
                    b.close();
                    c.close();
                }
            }
        }
    }

    /** Best thread-CPU seconds of one call of {@code op} on n elements (after warm-up). */
    private static double rowwise(Backend be, DType t, String op, int n, int reps) {
        Buffer x = be.alloc(t, n);
        Buffer y = be.alloc(t, n);
        Buffer out = be.alloc(t, n);
        Buffer mean = be.alloc(t, n / 1024);
        Buffer rstd = be.alloc(t, n / 1024);
        be.uniform(x, n, 1, 0, -4, 4);
        be.uniform(y, n, 2, 0, -4, 4);
        Broadcast dense = Broadcast.of(new int[]{n}, new int[]{n});
        Runnable call = switch (op) {
            case "copy" -> () -> be.copy(x, 0, out, 0, n);
            case "add" -> () -> be.binary(Binary.ADD, x, y, out, dense);
            case "softmax" -> () -> be.softmax(x, out, n / 1024, 1024, false);
            case "layernorm" -> () -> be.layerNorm(x, out, mean, rstd, n / 1024, 1024, 1e-5);
            default -> {
                Unary u = Unary.valueOf(op.toUpperCase(Locale.ROOT));
                yield () -> be.unary(u, x, out, n);
            }
        };
        var mx = ManagementFactory.getThreadMXBean();
        double best = Double.MAX_VALUE;
        for (int r = 0; r < reps + Math.max(3, reps); r++) {
            long c0 = mx.getCurrentThreadCpuTime();
            call.run();
            long c1 = mx.getCurrentThreadCpuTime();
            if (r >= Math.max(3, reps)) {
                best = Math.min(best, (c1 - c0) * 1e-9);
            }
        }
        for (Buffer b : new Buffer[]{x, y, out, mean, rstd}) {
            b.close();
        }
        return best;
    }
}
