package carnot.bench.kernels;

import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;
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
 * Square GEMM {@code C = A B} (n x n, row-major, off-heap, zero-copy OpenBLAS) on the CPU backend with 2 threads.
 * Time per call; GFLOP/s = 2 n^3 / time (computed by {@code bench/python/kernels_table.py}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class GemmBench {
    @Param({"f32", "f64"})
    public String dtype;
    @Param({"512", "1024", "2048"})
    public int n;
    @Param({"cpu2"})
    public String impl;

    private Backend be;
    private Buffer a;
    private Buffer b;
    private Buffer c;

    @Setup(Level.Trial)
    public void setup() {
        be = KernelState.backend(impl);
        DType t = KernelState.dtype(dtype);
        long nn = (long) n * n;
        a = be.alloc(t, nn);
        b = be.alloc(t, nn);
        c = be.alloc(t, nn);
        be.uniform(a, nn, 1, 0, -1, 1);
        be.uniform(b, nn, 2, 0, -1, 1);
    }

    @Benchmark
    public void gemm() {
        be.gemm(false, false, n, n, n, 1, a, 0, n, b, 0, n, 0, c, 0, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
        c.close();
        be.close();
    }
}
