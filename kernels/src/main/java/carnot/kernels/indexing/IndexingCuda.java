package carnot.kernels.indexing;

import carnot.kernels.Buffer;
import carnot.kernels.DType;
import carnot.kernels.cuda.CudaDevice;
import carnot.kernels.cuda.Dim3;
import carnot.kernels.cuda.KernelArgs;

import static carnot.kernels.cuda.CudaDevice.addr;
import static carnot.kernels.cuda.CudaDevice.kernel;

/**
 * The CUDA variant of the indexing family ({@code src/main/cuda/indexing.cu}). Every op checks its I32 indices on
 * the device ({@code check_indices} into a {@link CudaDevice#indexCheckSlot}; the op's kernel writes nothing when a
 * check failed, and the error is raised at the backend's next synchronisation point): nothing is downloaded and
 * nothing synchronises. Gather: {@code out[i, c] = table[idx[i], c]}, a thread per output element. Scatter-add
 * {@code table[idx[i], c] += src[i, c]}: deterministic by default (a stable device radix sort of (idx[i], i), then
 * a thread per run of equal targets and column adding its sources in ascending i into a register: bitwise the
 * sequential result of {@code IndexingRef}), or with {@code atomic} one atomicAdd per source element (last bits
 * timing-dependent). Other arguments are validated by the caller.
 */
public final class IndexingCuda {
    private static final String MODULE = "indexing";
    /** Threads per block, and keys per block, of the radix sort kernels ({@code CARNOT_SORT_THREADS}). */
    private static final int SORT_THREADS = 256;

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

    /** Adds n source rows into the table rows they index ({@code scatter_add_sorted_T} or {@code scatter_add_rows_atomic_T}). */
    public static void scatterAddRows(CudaDevice dev, DType t, boolean atomic, Buffer src, Buffer idx, int n,
                                      int cols, Buffer table, int tableRows) {
        if (n == 0) {
            return;
        }
        long total = (long) n * cols;
        long slot = deviceCheck(dev, "scatterAddRows", idx, n, tableRows);
        if (total == 0) {
            return;
        }
        if (atomic) {
            dev.launch1d(MODULE, kernel("scatter_add_rows_atomic", t), total, new KernelArgs().ptr(addr(src, 0))
                    .ptr(addr(idx, 0)).i32(n).i32(cols).ptr(addr(table, 0)).i32(tableRows).ptr(slot));
            return;
        }
        long[] sorted = sortPairs(dev, idx, n, tableRows);
        dev.launch1d(MODULE, kernel("scatter_add_sorted", t), total, new KernelArgs().ptr(addr(src, 0))
                .ptr(sorted[0]).ptr(sorted[1]).i32(n).i32(cols).ptr(addr(table, 0)).ptr(slot));
    }

    /** Key bits the sort must order for indices in [0, tableRows): ceil(log2(tableRows)), at least 1. */
    static int keyBits(int tableRows) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(Math.max(1, tableRows - 1)));
    }

    /**
     * Sorts the pairs (idx[i], i), i &lt; n (n &gt; 0), by key, stably (equal keys keep ascending i), on the device
     * into the scratch block: LSD radix sort, 8 key bits per pass ({@code sort_count}, {@code sort_scan},
     * {@code sort_place}); keys outside [0, tableRows) are ordered by their low bits only (the scatter kernel then
     * writes nothing, its check slot being set). Returns the device addresses of the sorted keys and positions.
     */
    private static long[] sortPairs(CudaDevice dev, Buffer idx, int n, int tableRows) {
        int blocks = (n + SORT_THREADS - 1) / SORT_THREADS;
        long countLen = (long) SORT_THREADS * blocks;
        long base = dev.scratch(16L * n + 4L * countLen);
        long[] keys = {base, base + 8L * n};
        long[] vals = {base + 4L * n, base + 12L * n};
        long counts = base + 16L * n;
        int passes = (keyBits(tableRows) + 7) / 8;
        for (int p = 0; p < passes; p++) {
            int shift = 8 * p;
            long inKeys = p == 0 ? addr(idx, 0) : keys[(p - 1) % 2];
            long inVals = p == 0 ? 0 : vals[(p - 1) % 2];
            dev.launch(MODULE, "sort_count", Dim3.of(blocks), Dim3.of(SORT_THREADS),
                    new KernelArgs().ptr(inKeys).i32(n).i32(shift).ptr(counts));
            dev.launch(MODULE, "sort_scan", Dim3.of(1), Dim3.of(SORT_THREADS),
                    new KernelArgs().ptr(counts).i64(countLen));
            dev.launch(MODULE, "sort_place", Dim3.of(blocks), Dim3.of(SORT_THREADS), new KernelArgs().ptr(inKeys)
                    .ptr(inVals).i32(n).i32(shift).ptr(counts).ptr(keys[p % 2]).ptr(vals[p % 2]));
        }
        return new long[]{keys[(passes - 1) % 2], vals[(passes - 1) % 2]};
    }
}
