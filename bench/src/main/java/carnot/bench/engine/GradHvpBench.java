package carnot.bench.engine;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Linearized;
import carnot.engine.Loss;
import carnot.engine.ParamVector;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Full-batch gradient and Hessian-vector product of the benchmark MLP 784-512-512-512-10 (tanh, MSE on one-hot
 * targets, N = 5000, one chunk) on the 2-thread CPU backend, plus the GEMM ceiling (one 5000x512x512 GEMM) in
 * the same run. Compare with bench/python/autodiff_peer.py.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx6g"})
@State(Scope.Benchmark)
public class GradHvpBench {
    static final int[] WIDTHS = {784, 512, 512, 512, 10};
    static final int N = 5000;

    @Param({"F32", "F64"})
    public String dtype;

    /** Threads of the CPU backend (OpenBLAS and the elementwise pool); the measured case is 2 (the benchmark host has 2 cores). */
    @Param({"2"})
    public int threads;

    Backend be;
    Mlp model;
    DataSet data;
    ParamVector v;
    Tensor a;
    Tensor b;
    Tensor c;
    Linearized lin;

    @Setup(Level.Trial)
    public void setup() {
        DType dt = DType.parse(dtype);
        be = new CpuBackend(threads);
        model = new Mlp(be, dt, WIDTHS, Activation.TANH, true, 1);
        data = new ArrayDataSet(Tensor.randn(be, dt, 2, 0, 1, N, WIDTHS[0]), oneHot(be, dt, N, WIDTHS[4]));
        v = ParamVector.randn(model, 3);
        a = Tensor.randn(be, dt, 4, 0, 1, N, 512);
        b = Tensor.randn(be, dt, 5, 0, 1, 512, 512);
        lin = Hessian.of(model, Loss.MSE, data, N).linearize();
    }

    static Tensor oneHot(Backend be, DType dt, int n, int classes) {
        double[] y = new double[n * classes];
        for (int i = 0; i < n; i++) {
            y[i * classes + (i * 7919) % classes] = 1;
        }
        return Tensor.of(be, dt, y, n, classes);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        lin.close();
        be.close();
    }

    /** Loss and gradient (forward + backward, 3 GEMMs per layer minus the first layer's input gradient). */
    @Benchmark
    public double gradient() {
        try (var s = carnot.engine.Scope.open()) {
            return Grad.of(model, Loss.MSE, data, N).grad().get(0).buffer().length();
        }
    }

    /** One exact HVP by forward-over-reverse (gradient and H v in one pass). */
    @Benchmark
    public double hvp() {
        try (var s = carnot.engine.Scope.open()) {
            return Hessian.of(model, Loss.MSE, data, N).apply(v).get(0).buffer().length();
        }
    }

    /**
     * One HVP of a Hessian linearized at these weights (recorded once per trial): only the tangent half of
     * forward-over-reverse runs, the per-product cost inside an eigen-solver (peer: a double backward through a
     * retained create_graph gradient).
     */
    @Benchmark
    public double hvpLinearized() {
        try (var s = carnot.engine.Scope.open()) {
            return lin.apply(v).get(0).buffer().length();
        }
    }

    /** GEMM ceiling: one 5000x512 @ 512x512 product (2.62 GFLOP). */
    @Benchmark
    public double gemm() {
        try (var s = carnot.engine.Scope.open()) {
            return a.matmul(b).buffer().length();
        }
    }
}
