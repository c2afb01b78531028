package carnot.kernels.indexing;

import carnot.kernels.Buffer;
import carnot.kernels.Checks;
import carnot.kernels.DType;
import carnot.kernels.cuda.CudaDevice;
import carnot.kernels.cuda.KernelArgs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static carnot.kernels.cuda.CudaDevice.addr;
import static carnot.kernels.cuda.CudaDevice.kernel;

/**
 * The CUDA variant of the indexing family ({@code src/main/cuda/indexing.cu}). The I32 indices are copied to the
 * host and checked against the table before launch. Gather: {@code out[i, c] = table[idx[i], c]}, a thread per
 * output element. Scatter-add {@code table[idx[i], c] += src[i, c]}: deterministic by default (host-built stable
 * buckets, a thread per touched row and column adding its sources in ascending i: bitwise the sequential result),
 * or with {@code atomic} one atomicAdd per source element (last bits timing-dependent). Other arguments are
 * validated by the caller.
 */
public final class IndexingCuda {
    private static final String MODULE = "indexing";

    private IndexingCuda() {
    }

    /** Gathers n rows of {@code cols} ({@code gather_rows_T}). */
    public static void gatherRows(CudaDevice dev, DType t, Buffer table, int tableRows, int cols, Buffer idx, int n,
                                  Buffer out) {
        hostIndices(dev, "gatherRows", idx, n, tableRows);
        long total = (long) n * cols;
        if (total > 0) {
            dev.launch1d(MODULE, kernel("gather_rows", t), total, new KernelArgs().ptr(addr(table, 0)).i32(tableRows)
                    .i32(cols).ptr(addr(idx, 0)).i32(n).ptr(addr(out, 0)));
        }
    }

    /** Adds n source rows into the table rows they index ({@code scatter_add_rows[_atomic]_T}). */
    public static void scatterAddRows(CudaDevice dev, DType t, boolean atomic, Buffer src, Buffer idx, int n,
                                      int cols, Buffer table, int tableRows) {
        int[] host = hostIndices(dev, "scatterAddRows", idx, n, tableRows);
        long total = (long) n * cols;
        if (total == 0) {
            return;
        }
        if (atomic) {
            dev.launch1d(MODULE, kernel("scatter_add_rows_atomic", t), total, new KernelArgs().ptr(addr(src, 0))
                    .ptr(addr(idx, 0)).i32(n).i32(cols).ptr(addr(table, 0)).i32(tableRows));
            return;
        }
        int[] packed = buckets(host, tableRows);
        int touched = (packed.length - n - 1) / 2;
        long b = dev.scratch(4L * packed.length);
        dev.launcher().copyToDevice(MemorySegment.ofArray(packed), b, 4L * packed.length);
        dev.launch1d(MODULE, kernel("scatter_add_rows", t), (long) touched * cols, new KernelArgs()
                .ptr(addr(src, 0)).ptr(b).i32(n).i32(touched).i32(cols).ptr(addr(table, 0)));
    }

    /** Downloads the I32 indices and checks them against [0, bound); returns them (empty when n = 0). */
    private static int[] hostIndices(CudaDevice dev, String op, Buffer idx, int n, int bound) {
        if (n == 0) {
            return new int[0];
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(ValueLayout.JAVA_INT, n);
            dev.launcher().copyToHost(addr(idx, 0), host, 4L * n);
            Checks.indices(op, host, n, bound);
            return host.toArray(ValueLayout.JAVA_INT);
        }
    }

    /**
     * Stable buckets of source rows by target row, packed as [perm (n) | start (u + 1) | rows (u)] where rows are
     * the u distinct targets in ascending order and perm lists, per target, its sources in ascending i.
     */
    public static int[] buckets(int[] idx, int tableRows) {
        int n = idx.length;
        int[] count = new int[tableRows + 1];
        for (int r : idx) {
            count[r + 1]++;
        }
        int touched = 0;
        for (int r = 0; r < tableRows; r++) {
            touched += count[r + 1] > 0 ? 1 : 0;
            count[r + 1] += count[r];
        }
        int[] packed = new int[n + 2 * touched + 1];
        int[] next = count.clone();
        for (int i = 0; i < n; i++) {
            packed[next[idx[i]]++] = i;
        }
        int k = 0;
        for (int r = 0; r < tableRows; r++) {
            if (count[r + 1] > count[r]) {
                packed[n + k] = count[r];
                packed[n + touched + 1 + k] = r;
                k++;
            }
        }
        packed[n + touched] = n;
        return packed;
    }
}
