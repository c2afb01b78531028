package carnot.bench.spectral;

import carnot.engine.LinearOperator;
import carnot.engine.Tensor;
import carnot.science.spectral.Lanczos;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import java.util.concurrent.TimeUnit;
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

/**
 * The eigensolver's own cost without HVPs: Lanczos top-20 (tol 1e-8, basis 60, f64) on a diagonal operator of
 * dimension P = 1,000,000 whose product is one elementwise multiply, so the time is the GEMM reorthogonalisation,
 * restarts and Ritz problems. Compare with the per-HVP time of a real model to see the overhead share.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
@State(Scope.Benchmark)
public class LanczosOverheadBench {
    @Param({"1000000"})
    public int dim;

    Backend be;
    LinearOperator diag;

    @Setup(Level.Trial)
    public void setup() {
        be = new CpuBackend(2);
        double[] d = new double[dim];
        for (int i = 0; i < dim; i++) {
            d[i] = i < 40 ? 100.0 / (i + 1) : 1e-3 * (i % 1000) / 1000.0;
        }
        Tensor t = Tensor.of(be, DType.F64, d, dim);
        diag = new LinearOperator() {
            @Override
            public int dim() {
                return dim;
            }

            @Override
            public DType dtype() {
                return DType.F64;
            }

            @Override
            public Backend backend() {
                return be;
            }

            @Override
            public Tensor apply(Tensor v) {
                return v.mul(t);
            }

            @Override
            public Tensor applyBatch(Tensor vs) {
                return vs.mul(t);
            }
        };
    }

    @Benchmark
    public double top20OnDiagonal() {
        try (carnot.engine.Scope s = carnot.engine.Scope.open()) {
            return Lanczos.solve(diag, Lanczos.Options.of(20, carnot.science.spectral.Which.LARGEST).withTol(1e-8)
                    .withBasis(60).withMaxIter(5000)).products();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        be.close();
    }
}
