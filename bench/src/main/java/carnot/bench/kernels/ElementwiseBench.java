package carnot.bench.kernels;

import carnot.kernels.Backend;
import carnot.kernels.Binary;
import carnot.kernels.Broadcast;
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
 * Elementwise kernels over n elements: tanh and exp ({@code out = f(x)}, 2 n words moved) and add
 * ({@code out = a + b}, 3 n words), scalar reference vs Vector API on 1 and 2 threads. GB/s and the simd/ref
 * speedups are computed by {@code bench/python/kernels_table.py}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ElementwiseBench {
    @Param({"tanh", "exp", "add"})
    public String op;
    @Param({"ref", "cpu1", "cpu2"})
    public String impl;
    @Param({"f32", "f64"})
    public String dtype;
    @Param({"1048576", "67108864"})
    public int n;

    private Backend be;
    private Buffer x;
    private Buffer y;
    private Buffer out;
    private Broadcast dense;

    @Setup(Level.Trial)
    public void setup() {
        be = KernelState.backend(impl);
        DType t = KernelState.dtype(dtype);
        x = be.alloc(t, n);
        y = be.alloc(t, n);
        out = be.alloc(t, n);
        be.uniform(x, n, 1, 0, -4, 4);
        be.uniform(y, n, 2, 0, -4, 4);
        dense = Broadcast.of(new int[]{n}, new int[]{n});
    }

    @Benchmark
    public void run() {
        switch (op) {
            case "tanh" -> be.unary(Unary.TANH, x, out, n);
            case "exp" -> be.unary(Unary.EXP, x, out, n);
            case "add" -> be.binary(Binary.ADD, x, y, out, dense);
            default -> throw new IllegalArgumentException("op must be tanh, exp or add; given " + op);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        x.close();
        y.close();
        out.close();
        be.close();
    }
}
