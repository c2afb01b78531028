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
 * Row softmax and layer norm (forward) over a rows x 1024 matrix of n elements, reference vs Vector API.
 * Each moves 2 n words (read x, write out); GB/s computed by {@code bench/python/kernels_table.py}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SoftmaxLayerNormBench {
    private static final int COLS = 1024;
    @Param({"softmax", "layernorm"})
    public String op;
    @Param({"ref", "cpu1", "cpu2"})
    public String impl;
    @Param({"f32", "f64"})
    public String dtype;
    @Param({"1048576", "16777216"})
    public int n;

    private Backend be;
    private Buffer x;
    private Buffer out;
    private Buffer mean;
    private Buffer rstd;
    private int rows;

    @Setup(Level.Trial)
    public void setup() {
        be = KernelState.backend(impl);
        DType t = KernelState.dtype(dtype);
        rows = n / COLS;
        x = be.alloc(t, n);
        out = be.alloc(t, n);
        mean = be.alloc(t, rows);
        rstd = be.alloc(t, rows);
        be.normal(x, n, 1, 0, 0, 2);
    }

    @Benchmark
    public void run() {
        if (op.equals("softmax")) {
            be.softmax(x, out, rows, COLS, false);
        } else {
            be.layerNorm(x, out, mean, rstd, rows, COLS, 1e-5);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        x.close();
        out.close();
        mean.close();
        rstd.close();
        be.close();
    }
}
