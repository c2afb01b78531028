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
 * The CUDA variant of the indexing family ({@code src/main/cuda/indexing.cu}). Gather and the atomic scatter check
 * their I32 indices on the device ({@code check_indices} into a {@link CudaDevice#indexCheckSlot}; the op's kernel
 * writes nothing when a check failed, and the error is raised at the backend's next synchronisation point); the
 * deterministic scatter downloads them (it builds its buckets on the host) and checks them there. Gather:
 * {@code out[i, c] = table[idx[i], c]}, a thread per
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
        if (n == 0) {
            return;
        }
        long slot = deviceCheck(dev, "gatherRows", idx, n, tableRows);
        long total = (long) n * cols;
        if (total > 0) {
            dev.launch1d(MODULE, kernel("gather_rows", t), total, new KernelArgs().ptr(addr(table, 0)).i32(tableRows)
                    .i32(cols).ptr(addr(idx, 0)).i32(n).ptr(addr(out, 0)).ptr(slot));
        }
    }

    /** Queues {@code check_indices} of idx[0, n) against [0, bound) (n > 0); returns its error slot. */
    private static long deviceCheck(CudaDevice dev, String op, Buffer idx, int n, int bound) {
        long slot = dev.indexCheckSlot(op, bound);
        dev.launch1d(MODULE, "check_indices", n, new KernelArgs().ptr(addr(idx, 0)).i32(n).i32(bound).ptr(slot));
        return slot;
    }

    /** Adds n source rows into the table rows they index ({@code scatter_add_rows[_atomic]_T}). */
    public static void scatterAddRows(CudaDevice dev, DType t, boolean atomic, Buffer src, Buffer idx, int n,
                                      int cols, Buffer table, int tableRows) {
        if (n == 0) {
            return;
        }
        long total = (long) n * cols;
        if (atomic) {
            long slot = deviceCheck(dev, "scatterAddRows", idx, n, tableRows);
            if (total > 0) {
                dev.launch1d(MODULE, kernel("scatter_add_rows_atomic", t), total, new KernelArgs().ptr(addr(src, 0))
                        .ptr(addr(idx, 0)).i32(n).i32(cols).ptr(addr(table, 0)).i32(tableRows).ptr(slot));
            }
            return;
        }
        int[] host = hostIndices(dev, "scatterAddRows", idx, n, tableRows);
        if (total == 0) {
            return;
        }
        int[] packed = buckets(host, tableRows);
        int touched = (packed.length - n - 1) / 2;
        long b = dev.scratch(4L * packed.length);
        dev.launcher().copyToDevice(MemorySegment.ofArray(packed), b, 4L * packed.length);
        dev.launch1d(MODULE, kernel("scatter_add_rows", t), (long) touched * cols, new KernelArgs()
                .ptr(addr(src, 0)).ptr(b).i32(n).i32(touched).i32(cols).ptr(addr(table, 0)));
    }

    /** Downloads the I32 indices (n > 0) and checks them against [0, bound); returns them. */
    private static int[] hostIndices(CudaDevice dev, String op, Buffer idx, int n, int bound) {
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
