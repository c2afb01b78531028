package carnot.bench.spectral;

import carnot.science.spectral.Eigen;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Top-20 Hessian eigenvalues of a 1M-parameter MLP (784-1000-200-10 tanh, P = 987,210, N = 1000, f64) by
 * thick-restart Lanczos to residual tolerance 1e-6; the HVP count is printed at tear-down.
 * Each solve linearizes the Hessian first (one recording pass, counted in the time), as {@code carnot spectrum} does.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
@State(Scope.Benchmark)
public class LanczosTop20MillionParamBench {
    Backend be;
    SpectraProblem p;
    Eigen last;

    @Setup(Level.Trial)
    public void setup() {
        be = new CpuBackend(2);
        p = new SpectraProblem(be, DType.F64, new int[] {784, 1000, 200, 10}, 1000);
    }

    @Benchmark
    public double top20() {
        try (carnot.engine.Scope s = carnot.engine.Scope.open(); carnot.engine.Linearized lin = p.hessian.linearize()) {
            last = Lanczos.topK(lin, 20, 1e-6, 3000, null);
            return last.values()[19];
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (last != null) {
            System.out.println("HVPs " + last.products() + ", restarts " + last.cycles() + ", converged "
                    + last.converged() + ", top-20 " + java.util.Arrays.toString(last.values()));
        }
        be.close();
    }
}
