package carnot.bench.kernels;

import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;
import carnot.kernels.Unary;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * The other exp-heavy activations ({@code out = f(x)}, 2 n words moved) and their derivatives on 1M elements:
 * scalar reference vs Vector API on one thread, for the simd/ref speedup.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ActivationBench {
    @Param({"gelu", "sigmoid", "softplus", "d_tanh", "d_gelu"})
    public String op;
    @Param({"ref", "cpu1"})
    public String impl;
    @Param({"f32", "f64"})
    public String dtype;
    @Param({"1048576"})
    public int n;

    private Backend be;
    private Buffer x;
    private Buffer out;
    private Unary unary;

    @Setup(Level.Trial)
    public void setup() {
        be = KernelState.backend(impl);
        DType t = KernelState.dtype(dtype);
        unary = Unary.valueOf(op.toUpperCase(java.util.Locale.ROOT));
        x = be.alloc(t, n);
        out = be.alloc(t, n);
        be.uniform(x, n, 1, 0, -4, 4);
    }

    @Benchmark
    public void run() {
        be.unary(unary, x, out, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        x.close();
        out.close();
        be.close();
    }
}
