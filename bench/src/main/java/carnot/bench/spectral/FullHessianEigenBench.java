package carnot.bench.spectral;

import carnot.science.spectral.FullSpectrum;
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
 * Full Hessian (P batched HVPs, {@code batch} directions per pass) + symmetrisation + LAPACK dsyevd eigenvalues of
 * the MLP 40-60-40-5 tanh (P = 5,105), N = 1000, f64. Peer: torch.autograd.functional.hessian + eigvalsh in
 * bench/python/spectra_peer.py.
 * Each solve linearizes the Hessian first (one recording pass, counted in the time), as {@code carnot spectrum} does.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
@State(Scope.Benchmark)
public class FullHessianEigenBench {
    @Param({"64"})
    public int batch;

    Backend be;
    SpectraProblem p;

    @Setup(Level.Trial)
    public void setup() {
        be = new CpuBackend(2);
        p = new SpectraProblem(be, DType.F64, new int[] {40, 60, 40, 5}, 1000);
    }

    @Benchmark
    public double fullHessianEigenvalues() {
        try (carnot.engine.Scope s = carnot.engine.Scope.open(); carnot.engine.Linearized lin = p.hessian.linearize()) {
            double[] v = FullSpectrum.compute(lin, batch, false).values();
            return v[v.length - 1];
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        be.close();
    }
}
