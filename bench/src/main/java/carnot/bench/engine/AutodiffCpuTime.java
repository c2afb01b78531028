package carnot.bench.engine;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Linearized;
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
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Load-robust companion of {@link GradHvpBench} / {@link BatchedHvpBench}: the same problems on a CPU backend of
 * {@code threads} threads (default ONE: all work on the calling thread, OpenBLAS and the elementwise pool inline),
 * timed per call by the calling thread's CPU time, the process's CPU time (all threads, from /proc, OpenBLAS
 * threads included) and wall clock; medians of reps after two warm-ups. On one thread the thread CPU time is the
 * work alone, so other processes on a busy machine do not inflate it; on more threads compare wall clock (and
 * process CPU for the work spent). Peer: {@code python3 bench/python/autodiff_peer.py --threads T [--cpu-time]}.
 *
 * <p>Cases: {@code big} (MLP 784-512-512-512-10 tanh, MSE, N = 5000, f32 and f64), {@code big-f32} (its f32 half),
 * {@code small} (MLP 20-56-56-10, N = 1000, f64: single and 32 batched HVPs), {@code deeplinear} (deep linear
 * network of 4 layers 256 x 256, no biases, MSE on a random linear target, N = 10,000, f64). Prints
 * "case dtype what thread_cpu_ms process_cpu_ms P wall_ms W".
 *
 * <p>Usage: {@code java ... carnot.bench.engine.AutodiffCpuTime [reps=5] [threads=1] [cases=big,small]}.
 */
public final class AutodiffCpuTime {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    /** The deep linear case: widths and samples. */
    static final int[] DEEP_LINEAR = {256, 256, 256, 256, 256};
    static final int DEEP_LINEAR_N = 10_000;

    private AutodiffCpuTime() {
    }

    /**
     * Medians of thread CPU, process CPU, wall and compute-thread CPU ms ({@link TransformerSteadyCpuTime#computeCpuNanos})
     * over reps calls after two warm-ups.
     */
    static double[] medians(int reps, Supplier<Tensor> f) {
        for (int i = 0; i < 2; i++) {
            try (Scope s = Scope.open()) {
                f.get();
            }
        }
        double[][] t = new double[4][reps];
        for (int i = 0; i < reps; i++) {
            long k0 = TransformerSteadyCpuTime.computeCpuNanos();
            long c0 = MX.getCurrentThreadCpuTime();
            long p0 = TransformerSteadyCpuTime.processCpuNanos();
            long w0 = System.nanoTime();
            try (Scope s = Scope.open()) {
                f.get();
            }
            t[2][i] = (System.nanoTime() - w0) / 1e6;
            t[1][i] = (TransformerSteadyCpuTime.processCpuNanos() - p0) / 1e6;
            t[0][i] = (MX.getCurrentThreadCpuTime() - c0) / 1e6;
            t[3][i] = (TransformerSteadyCpuTime.computeCpuNanos() - k0) / 1e6;
        }
        double[] m = new double[4];
        for (int k = 0; k < 4; k++) {
            Arrays.sort(t[k]);
            m[k] = t[k][reps / 2];
        }
        return m;
    }

    static double medianMs(int reps, Supplier<Tensor> f) {
        return medians(reps, f)[0];
    }

    private static void print(String what, int reps, Supplier<Tensor> f) {
        double[] m = medians(reps, f);
        System.out.printf(Locale.ROOT, "%s %.3f process_cpu_ms %.3f wall_ms %.3f compute_cpu_ms %.3f%n", what, m[0], m[1],
                m[2], m[3]);
        System.out.flush();
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        List<String> cases = List.of((args.length > 2 ? args[2] : "big,small").split(","));
        for (String c : cases) {
            if (!List.of("big", "big-f32", "small", "deeplinear", "eos-f32").contains(c)) {
                throw new IllegalArgumentException("cases are big, big-f32, small, deeplinear, eos-f32; given '" + c + "'");
            }
        }
        try (Backend be = new CpuBackend(threads); Scope root = Scope.open()) {
            if (cases.contains("big") || cases.contains("big-f32")) {
                big(be, reps, cases.contains("big") ? new DType[] {DType.F32, DType.F64} : new DType[] {DType.F32});
            }
            if (cases.contains("small")) {
                small(be, reps);
            }
            if (cases.contains("deeplinear")) {
                deepLinear(be, reps);
            }
            if (cases.contains("eos-f32")) {
                eos(be, reps);
            }
        }
    }

    private static void big(Backend be, int reps, DType[] dtypes) {
        for (DType dt : dtypes) {
            String name = dt.name().toLowerCase(Locale.ROOT);
            Mlp m = new Mlp(be, dt, GradHvpBench.WIDTHS, Activation.TANH, true, 1);
            DataSet d = new ArrayDataSet(Tensor.randn(be, dt, 2, 0, 1, GradHvpBench.N, 784),
                    GradHvpBench.oneHot(be, dt, GradHvpBench.N, 10));
            ParamVector v = ParamVector.randn(m, 3);
            Tensor a = Tensor.randn(be, dt, 4, 0, 1, GradHvpBench.N, 512);
            Tensor b = Tensor.randn(be, dt, 5, 0, 1, 512, 512);
            print("big " + name + " gemm_5000x512x512", reps, () -> a.matmul(b));
            print("big " + name + " gradient", reps, () -> Grad.of(m, Loss.MSE, d, GradHvpBench.N).grad().get(0));
            print("big " + name + " hvp", reps, () -> Hessian.of(m, Loss.MSE, d, GradHvpBench.N).apply(v).get(0));
        }
    }

    private static void small(Backend be, int reps) {
        Mlp m = new Mlp(be, DType.F64, BatchedHvpBench.WIDTHS, Activation.TANH, true, 1);
        DataSet d = new ArrayDataSet(Tensor.randn(be, DType.F64, 2, 0, 1, BatchedHvpBench.N, 20),
                GradHvpBench.oneHot(be, DType.F64, BatchedHvpBench.N, 10));
        for (int chunk : new int[] {BatchedHvpBench.N, 125}) {
            Hessian h = Hessian.of(m, Loss.MSE, d, chunk);
            Tensor vs = Tensor.randn(be, DType.F64, 3, 0, 1, BatchedHvpBench.K, h.dim());
            Tensor one = Tensor.randn(be, DType.F64, 3, 0, 1, h.dim());
            print("small f64 hvp_single_chunk" + chunk, reps * 3, () -> h.applyFlat(one));
            print("small f64 hvp_x32_batched_chunk" + chunk, reps, () -> h.applyFlatBatch(vs));
        }
    }

    /**
     * The edge-of-stability protocol's network (bench/run-eos.sh): MLP 784-200-200-10 tanh with biases, N = 5000,
     * f32, MSE on one-hot targets. Besides the gradient and the products, {@code gemms}: the gradient's eight
     * products alone, same shapes and transposes (forward 5000x784x200, 5000x200x200, 5000x200x10; weight
     * gradients 784x5000x200, 200x5000x200, 200x5000x10; input gradients 5000x10x200, 5000x200x200), so
     * gradient / gemms is the gradient's time over its own GEMM floor.
     */
    private static void eos(Backend be, int reps) {
        DType dt = DType.F32;
        int n = 5000;
        Mlp m = new Mlp(be, dt, new int[] {784, 200, 200, 10}, Activation.TANH, true, 1);
        DataSet d = new ArrayDataSet(Tensor.randn(be, dt, 2, 0, 1, n, 784), GradHvpBench.oneHot(be, dt, n, 10));
        ParamVector v = ParamVector.randn(m, 3);
        Tensor x = Tensor.randn(be, dt, 4, 0, 1, n, 784);
        Tensor h = Tensor.randn(be, dt, 5, 0, 1, n, 200);
        Tensor g10 = Tensor.randn(be, dt, 6, 0, 1, n, 10);
        Tensor w1 = Tensor.randn(be, dt, 7, 0, 1, 784, 200);
        Tensor w2 = Tensor.randn(be, dt, 8, 0, 1, 200, 200);
        Tensor w3 = Tensor.randn(be, dt, 9, 0, 1, 200, 10);
        print("eos f32 gemms", reps, () -> {
            x.matmul(w1);
            h.matmul(w2);
            h.matmul(w3);
            x.matmul(h, true, false);
            h.matmul(h, true, false);
            h.matmul(g10, true, false);
            g10.matmul(w3, false, true);
            return h.matmul(w2, false, true);
        });
        print("eos f32 gradient", reps, () -> Grad.of(m, Loss.MSE, d, n).grad().get(0));
        print("eos f32 hvp", reps, () -> Hessian.of(m, Loss.MSE, d, n).apply(v).get(0));
        try (Linearized lin = Hessian.of(m, Loss.MSE, d, n).linearize()) {
            print("eos f32 hvp_linearized", reps, () -> lin.apply(v).get(0));
        }
    }

    /**
     * Deep linear network 256-256-256-256-256 (4 weight matrices, no biases), f64, N = 10,000 inputs x ~ N(0, 1),
     * targets y = x T with T ~ N(0, 1/256) (a random linear teacher), MSE; one chunk. GEMM control: one
     * 10000 x 256 x 256 product. Also the repeated product at fixed weights ({@link Linearized}, recorded once),
     * the peer of PyTorch's double backward through a retained create_graph gradient.
     */
    private static void deepLinear(Backend be, int reps) {
        DType dt = DType.F64;
        int n = DEEP_LINEAR_N;
        int w = DEEP_LINEAR[0];
        Mlp m = new Mlp(be, dt, DEEP_LINEAR, Activation.LINEAR, false, 1);
        Tensor x = Tensor.randn(be, dt, 2, 0, 1, n, w);
        Tensor teacher = Tensor.randn(be, dt, 6, 0, 1.0 / Math.sqrt(w), w, w);
        DataSet d = new ArrayDataSet(x, x.matmul(teacher));
        ParamVector v = ParamVector.randn(m, 3);
        Tensor a = Tensor.randn(be, dt, 4, 0, 1, n, w);
        Tensor b = Tensor.randn(be, dt, 5, 0, 1, w, w);
        print("deeplinear f64 gemm_10000x256x256", reps, () -> a.matmul(b));
        print("deeplinear f64 gradient", reps, () -> Grad.of(m, Loss.MSE, d, n).grad().get(0));
        print("deeplinear f64 hvp", reps, () -> Hessian.of(m, Loss.MSE, d, n).apply(v).get(0));
        // repeated products at fixed weights (an eigen-solver's): the primal pass recorded once, outside the timing
        try (Linearized lin = Hessian.of(m, Loss.MSE, d, n).linearize()) {
            print("deeplinear f64 hvp_linearized", reps, () -> lin.apply(v).get(0));
        }
    }
}
