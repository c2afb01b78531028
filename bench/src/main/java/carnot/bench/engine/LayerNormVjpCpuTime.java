package carnot.bench.engine;

import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.engine.ops.LayerNorm;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * Thread CPU per layer-norm vjp on [2048, cols] f32 plain values, one thread, three ways in one process: the
 * Tensor-algebra rule ({@code LayerNorm.jacobian}, what every gradient ran before), the first-order path of an
 * instance that did not see x (one {@code Backend.layerNorm} row pass to recompute mean and rstd, then
 * {@code Backend.layerNormBackward}) and of the instance whose forward kept them (the backward kernel alone).
 * Each call runs in its own scope. Prints the median over rounds of 10 calls.
 *
 * <p>Usage: {@code java ... carnot.bench.engine.LayerNormVjpCpuTime [rounds=15] [cols...=128 512]}
 */
public final class LayerNormVjpCpuTime {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    private LayerNormVjpCpuTime() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int[] widths = args.length > 1 ? Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[]{128, 512};
        int rows = 2048;
        double eps = 1e-5;
        boolean[] need = {true};
        try (Backend be = new CpuBackend(1); Scope outer = Scope.open()) {
            for (int cols : widths) {
                Tensor x = Tensor.randn(be, DType.F32, 1, 0, 1.0, rows, cols).add(0.3);
                Tensor g = Tensor.randn(be, DType.F32, 2, 0, 1.0, rows, cols);
                LayerNorm kept = new LayerNorm(eps);
                Tensor out = kept.forward(new Tensor[]{x});
                LayerNorm fresh = new LayerNorm(eps);
                double[][] ms = new double[3][rounds];
                for (int warm = 0; warm < 4; warm++) {
                    for (int r = 0; r < rounds; r++) {
                        long t0 = MX.getCurrentThreadCpuTime();
                        for (int i = 0; i < 10; i++) {
                            try (Scope s = Scope.open()) {
                                LayerNorm.jacobian(x, out, g, eps);
                            }
                        }
                        long t1 = MX.getCurrentThreadCpuTime();
                        for (int i = 0; i < 10; i++) {
                            try (Scope s = Scope.open()) {
                                fresh.vjp(new Tensor[]{x}, out, g, need);
                            }
                        }
                        long t2 = MX.getCurrentThreadCpuTime();
                        for (int i = 0; i < 10; i++) {
                            try (Scope s = Scope.open()) {
                                kept.vjp(new Tensor[]{x}, out, g, need);
                            }
                        }
                        long t3 = MX.getCurrentThreadCpuTime();
                        ms[0][r] = (t1 - t0) / 10e6;
                        ms[1][r] = (t2 - t1) / 10e6;
                        ms[2][r] = (t3 - t2) / 10e6;
                    }
                }
                for (double[] m : ms) {
                    Arrays.sort(m);
                }
                System.out.printf(Locale.ROOT, "layerNorm vjp [%d, %d] f32, 1 thread, thread CPU ms per call: Tensor-algebra"
                                + " rule %.3f, recompute + backward kernel %.3f, kept statistics + backward kernel %.3f%n",
                        rows, cols, ms[0][rounds / 2], ms[1][rounds / 2], ms[2][rounds / 2]);
            }
        }
    }
}
