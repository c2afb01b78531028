package carnot.bench.engine;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Loss;
import carnot.engine.ParamVector;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Load-robust companion of {@link GradHvpBench} / {@link BatchedHvpBench}: the same problems on a ONE-thread CPU
 * backend (all work on the calling thread: OpenBLAS and the elementwise pool run inline), timed by the thread's
 * CPU time (median of reps after warm-up), so other processes on a busy machine do not inflate the numbers.
 * Peer: {@code python3 bench/python/autodiff_peer.py --threads 1 --cpu-time}. Prints "case dtype what median_ms".
 * Usage: {@code java ... carnot.bench.engine.AutodiffCpuTime [reps]}.
 */
public final class AutodiffCpuTime {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    private AutodiffCpuTime() {
    }

    static double medianMs(int reps, Supplier<Tensor> f) {
        for (int i = 0; i < 2; i++) {
            try (Scope s = Scope.open()) {
                f.get();
            }
        }
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long c0 = MX.getCurrentThreadCpuTime();
            try (Scope s = Scope.open()) {
                f.get();
            }
            t[i] = (MX.getCurrentThreadCpuTime() - c0) / 1e6;
        }
        Arrays.sort(t);
        return t[reps / 2];
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        try (Backend be = new CpuBackend(1); Scope root = Scope.open()) {
            for (DType dt : new DType[]{DType.F32, DType.F64}) {
                String name = dt.name().toLowerCase();
                Mlp m = new Mlp(be, dt, GradHvpBench.WIDTHS, Activation.TANH, true, 1);
                DataSet d = new ArrayDataSet(Tensor.randn(be, dt, 2, 0, 1, GradHvpBench.N, 784),
                        GradHvpBench.oneHot(be, dt, GradHvpBench.N, 10));
                ParamVector v = ParamVector.randn(m, 3);
                Tensor a = Tensor.randn(be, dt, 4, 0, 1, GradHvpBench.N, 512);
                Tensor b = Tensor.randn(be, dt, 5, 0, 1, 512, 512);
                System.out.printf("big %s gemm_5000x512x512 %.2f%n", name, medianMs(reps, () -> a.matmul(b)));
                System.out.printf("big %s gradient %.2f%n", name,
                        medianMs(reps, () -> Grad.of(m, Loss.MSE, d, GradHvpBench.N).grad().get(0)));
                System.out.printf("big %s hvp %.2f%n", name,
                        medianMs(reps, () -> Hessian.of(m, Loss.MSE, d, GradHvpBench.N).apply(v).get(0)));
            }
            Mlp m = new Mlp(be, DType.F64, BatchedHvpBench.WIDTHS, Activation.TANH, true, 1);
            DataSet d = new ArrayDataSet(Tensor.randn(be, DType.F64, 2, 0, 1, BatchedHvpBench.N, 20),
                    GradHvpBench.oneHot(be, DType.F64, BatchedHvpBench.N, 10));
            for (int chunk : new int[]{BatchedHvpBench.N, 125}) {
                Hessian h = Hessian.of(m, Loss.MSE, d, chunk);
                Tensor vs = Tensor.randn(be, DType.F64, 3, 0, 1, BatchedHvpBench.K, h.dim());
                Tensor one = Tensor.randn(be, DType.F64, 3, 0, 1, h.dim());
                System.out.printf("small f64 hvp_single_chunk%d %.3f%n", chunk, medianMs(reps * 3, () -> h.applyFlat(one)));
                System.out.printf("small f64 hvp_x32_batched_chunk%d %.2f%n", chunk, medianMs(reps, () -> h.applyFlatBatch(vs)));
            }
        }
    }
}
