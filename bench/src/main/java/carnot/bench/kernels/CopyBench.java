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
 * The memory-bandwidth ceiling: {@code Backend.copy} of n f32 elements (memcpy per chunk), 2 n words moved,
 * on 1 and 2 threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CopyBench {
    @Param({"cpu1", "cpu2"})
    public String impl;
    @Param({"f32"})
    public String dtype;
    @Param({"1048576", "67108864"})
    public int n;

    private Backend be;
    private Buffer x;
    private Buffer out;

    @Setup(Level.Trial)
    public void setup() {
        be = KernelState.backend(impl);
        DType t = KernelState.dtype(dtype);
        x = be.alloc(t, n);
        out = be.alloc(t, n);
        be.uniform(x, n, 1, 0, -1, 1);
    }

    @Benchmark
    public void copy() {
        be.copy(x, 0, out, 0, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        x.close();
        out.close();
        be.close();
    }
}
