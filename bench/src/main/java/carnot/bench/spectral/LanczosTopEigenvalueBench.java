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
 * Top-1 Hessian eigenvalue (sharpness) of the benchmark MLP 784-512-512-512-10 tanh, N = 5000, f32, MSE, by Lanczos to
 * residual tolerance 1e-3: cold (seeded random start) and warm (started from the converged eigenvector, as when
 * tracking sharpness during training). HVP counts are printed at tear-down. Peer: bench/python/spectra_peer.py.
 * Each solve linearizes the Hessian first (one recording pass, counted in the time), as {@code carnot spectrum} does.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
@State(Scope.Benchmark)
public class LanczosTopEigenvalueBench {
    Backend be;
    SpectraProblem p;
    Eigen previous;
    int coldHvps;
    int warmHvps;

    @Setup(Level.Trial)
    public void setup() {
        be = new CpuBackend(2);
        p = new SpectraProblem(be, DType.F32, new int[] {784, 512, 512, 512, 10}, 5000);
        previous = Lanczos.topK(p.hessian, 1, 1e-3, 200, null);
    }

    @Benchmark
    public double cold() {
        try (carnot.engine.Scope s = carnot.engine.Scope.open(); carnot.engine.Linearized lin = p.hessian.linearize()) {
            Eigen e = Lanczos.topK(lin, 1, 1e-3, 200, null);
            coldHvps = e.products();
            return e.values()[0];
        }
    }

    @Benchmark
    public double warm() {
        try (carnot.engine.Scope s = carnot.engine.Scope.open(); carnot.engine.Linearized lin = p.hessian.linearize()) {
            Eigen e = Lanczos.topK(lin, 1, 1e-3, 200, previous.vectors());
            warmHvps = e.products();
            return e.values()[0];
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        System.out.println("HVPs: cold " + coldHvps + ", warm " + warmHvps + ", lambda " + previous.values()[0]);
        be.close();
    }
}
