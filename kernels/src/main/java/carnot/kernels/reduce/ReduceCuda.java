package carnot.kernels.reduce;

import carnot.kernels.Buffer;
import carnot.kernels.DType;
import carnot.kernels.Reduce;
import carnot.kernels.cuda.CudaDevice;
import carnot.kernels.cuda.Dim3;
import carnot.kernels.cuda.KernelArgs;
import carnot.kernels.cuda.OpCodes;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static carnot.kernels.cuda.CudaDevice.THREADS;
import static carnot.kernels.cuda.CudaDevice.addr;
import static carnot.kernels.cuda.CudaDevice.kernel;

/**
 * The CUDA variant of the reduction family ({@code src/main/cuda/reduce.cu}): {@code out[o, j] = op over a of
 * x[o, a, j]} for an {@code [outer, axis, inner]} view, and the dot product; every sum accumulates in double in a
 * tree fixed by the shape. Path by shape: {@code reduce_rows_T} (inner = 1, axis >= 32: a block per output),
 * {@code reduce_split_T + reduce_combine_T} (inner > 1, fewer than 16384 outputs, axis >= 64: axis slices into
 * scratch, combined in order), else {@code reduce_cols_T} (a thread per output). Dot:
 * {@code G = min(ceil(n / 256), DOT_BLOCKS)} block partials, then one block sums them in order.
 * Arguments are validated by the caller.
 */
public final class ReduceCuda {
    private static final String MODULE = "reduce";
    /** Blocks of the first dot stage (partials in the scratch buffer). */
    public static final int DOT_BLOCKS = 1024;

    private ReduceCuda() {
    }

    /** The reduction {@code op} over the middle axis of {@code [outer, axis, inner]}. */
    public static void reduce(CudaDevice dev, DType t, Reduce op, Buffer x, Buffer out, long outer, long axis,
                              long inner) {
        long outputs = outer * inner;
        if (outputs == 0) {
            return;
        }
        if (inner > 1 && outputs < 16384 && axis >= 64 && outer <= 65535) {
            split(dev, t, op, x, out, outer, axis, inner);
            return;
        }
        KernelArgs args = new KernelArgs().i32(OpCodes.of(op)).ptr(addr(x, 0)).ptr(addr(out, 0)).i64(outer).i64(axis)
                .i64(inner);
        if (inner == 1 && axis >= 32 && outputs <= Integer.MAX_VALUE) {
            dev.launchRows(MODULE, kernel("reduce_rows", t), (int) outputs, (int) Math.min(axis, 256), args);
        } else {
            dev.launch1d(MODULE, kernel("reduce_cols", t), outputs, args);
        }
    }

    /** Split-axis reduction: about 264 blocks (2 per H100 SM) of 32 columns x 8 axis lanes, then an ordered combine. */
    private static void split(CudaDevice dev, DType t, Reduce op, Buffer x, Buffer out, long outer, long axis,
                              long inner) {
        long gx = (inner + 31) / 32;
        long maxSplits = (axis + 31) / 32;
        long splits = Math.max(1, Math.min(maxSplits, (264 + gx * outer - 1) / (gx * outer)));
        splits = Math.min(splits, 65535);
        long chunk = (axis + splits - 1) / splits;
        splits = (axis + chunk - 1) / chunk;
        long outputs = outer * inner;
        long partial = dev.scratch(splits * outputs * 8);
        dev.launch(MODULE, kernel("reduce_split", t), new Dim3((int) gx, (int) splits, (int) outer),
                Dim3.of(THREADS), new KernelArgs().i32(OpCodes.of(op)).ptr(addr(x, 0)).ptr(partial).i64(outer)
                        .i64(axis).i64(inner).i64(chunk));
        dev.launch1d(MODULE, kernel("reduce_combine", t), outputs,
                new KernelArgs().i32(OpCodes.of(op)).ptr(partial).ptr(addr(out, 0)).i64(outputs).i64(splits));
    }

    /** {@code sum_i x[i] y[i]} accumulated in double; copies the 8-byte result to the host (one synchronisation). */
    public static double dot(CudaDevice dev, DType t, long n, Buffer x, Buffer y) {
        if (n == 0) {
            return 0.0;
        }
        long result = dev.scratch((DOT_BLOCKS + 1) * 8L) + DOT_BLOCKS * 8L;
        dotInto(dev, t, n, x, y, result);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(ValueLayout.JAVA_DOUBLE);
            dev.launcher().copyToHost(result, host, 8);
            return host.get(ValueLayout.JAVA_DOUBLE, 0);
        }
    }

    /**
     * Queues {@code sum_i x[i] y[i]} (accumulated in double, the same value as {@link #dot}) into the double at
     * device address {@code result}: {@code dot_partial_T} block partials in the scratch block, then
     * {@code sum_partials} (0 when n = 0). Nothing is read back.
     */
    public static void dotInto(CudaDevice dev, DType t, long n, Buffer x, Buffer y, long result) {
        int blocks = (int) Math.min((n + THREADS - 1) / THREADS, DOT_BLOCKS);
        long part = dev.scratch((DOT_BLOCKS + 1) * 8L);
        if (blocks > 0) {
            dev.launch(MODULE, kernel("dot_partial", t), Dim3.of(blocks), Dim3.of(THREADS),
                    new KernelArgs().i64(n).ptr(addr(x, 0)).ptr(addr(y, 0)).ptr(part));
        }
        dev.launch(MODULE, "sum_partials", Dim3.of(1), Dim3.of(THREADS),
                new KernelArgs().ptr(part).i32(blocks).ptr(result));
    }
}
