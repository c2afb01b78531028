package carnot.bench.engine;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Hessian;
import carnot.engine.Linearized;
import carnot.engine.Loss;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Batched tangents where single HVPs are latency-bound: MLP 20-56-56-10 tanh, MSE, N = 1000, P = 4,938, f64,
 * 2 threads. {@code hvp32Singles}: 32 HVPs one after another; {@code hvp32Batched}: the same 32 directions as one
 * [32, P] tangent batch in one pass.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class BatchedHvpBench {
    static final int[] WIDTHS = {20, 56, 56, 10};
    static final int N = 1000;
    static final int K = 32;

    /** Threads of the CPU backend; the measured case is 2 (the benchmark host has 2 cores). */
    @org.openjdk.jmh.annotations.Param({"2"})
    public int threads;

    Backend be;
    Hessian h;
    Tensor vs;
    Tensor[] rows;
    Linearized lin;

    @Setup(Level.Trial)
    public void setup() {
        be = new CpuBackend(threads);
        Mlp m = new Mlp(be, DType.F64, WIDTHS, Activation.TANH, true, 1);
        DataSet d = new ArrayDataSet(Tensor.randn(be, DType.F64, 2, 0, 1, N, WIDTHS[0]),
                GradHvpBench.oneHot(be, DType.F64, N, WIDTHS[3]));
        h = Hessian.of(m, Loss.MSE, d, N);
        lin = h.linearize();
        int p = h.dim();
        vs = Tensor.randn(be, DType.F64, 3, 0, 1, K, p);
        rows = new Tensor[K];
        for (int j = 0; j < K; j++) {
            rows[j] = vs.slice(0, j, j + 1).reshape(p);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        lin.close();
        be.close();
    }

    /** 32 single-direction HVPs. */
    @Benchmark
    public double hvp32Singles() {
        double s = 0;
        for (Tensor r : rows) {
            try (var sc = carnot.engine.Scope.open()) {
                s += h.applyFlat(r).buffer().length();
            }
        }
        return s;
    }

    /** The same 32 directions as one tangent batch. */
    @Benchmark
    public double hvp32Batched() {
        try (var sc = carnot.engine.Scope.open()) {
            return h.applyFlatBatch(vs).buffer().length();
        }
    }

    /** 32 single-direction products of the Hessian linearized once (tangent replay only). */
    @Benchmark
    public double hvp32SinglesLinearized() {
        double s = 0;
        for (Tensor r : rows) {
            try (var sc = carnot.engine.Scope.open()) {
                s += lin.apply(r).buffer().length();
            }
        }
        return s;
    }

    /** The 32 directions as one tangent batch through the linearized Hessian. */
    @Benchmark
    public double hvp32BatchedLinearized() {
        try (var sc = carnot.engine.Scope.open()) {
            return lin.applyBatch(vs).buffer().length();
        }
    }
}
