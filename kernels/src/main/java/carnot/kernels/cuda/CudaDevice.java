package carnot.kernels.cuda;

import carnot.kernels.Buffer;
import carnot.kernels.DType;

/**
 * What the CUDA variant of every kernel family launches on: a {@link KernelLauncher} (one stream, issue order),
 * one growing device scratch block, and the launch shapes the families share. The families
 * ({@code memory.MemoryCuda}, {@code gemm.GemmCuda}, ...) pack the arguments and pick grid and kernel symbol;
 * this class owns no kernel.
 *
 * <p>1-D grid-stride launch: {@code block = THREADS = 256}, {@code grid = min(ceil(n / 256), MAX_BLOCKS = 4096)}.
 * Row launch: one block per row, {@code block = rowBlock(cols)}, the next power of two {@code >= cols} clamped to
 * [32, 256]. Kernel symbols are {@code <base>_<dtype suffix>} ({@code f32}, {@code f64}, {@code i32}).
 */
public final class CudaDevice {
    /** Threads per block of 1-D grid-stride kernels. */
    public static final int THREADS = 256;
    /** Cap on the blocks of a grid-stride launch. */
    public static final int MAX_BLOCKS = 4096;

    private final KernelLauncher launcher;
    private long scratch;
    private long scratchBytes;

    private final IndexErrors indexErrors;

    CudaDevice(KernelLauncher launcher) {
        this.launcher = launcher;
        this.indexErrors = new IndexErrors(launcher);
    }

    /**
     * Device address of a zeroed 8-byte error slot for one device-side check of {@code op}'s indices against
     * [0, bound) (kernel {@code check_indices}); a recorded error is raised by the next {@link #checkpoint()}.
     */
    public long indexCheckSlot(String op, int bound) {
        return indexErrors.slot(op, bound);
    }

    /**
     * The backend's synchronisation point for device-side checks: when checks are pending, downloads their slots
     * (which waits for the queued work) and throws the first recorded index error, as the host check would.
     */
    public void checkpoint() {
        indexErrors.checkpoint();
    }

    /** The launcher: memory, copies and synchronisation. */
    public KernelLauncher launcher() {
        return launcher;
    }

    /** Device address of element {@code off} of {@code b}: {@code base + off * dtype.bytes()}. */
    public static long addr(Buffer b, long off) {
        return b.segment().address() + off * b.dtype().bytes();
    }

    /** The kernel symbol {@code base + "_" + suffix(t)}, e.g. {@code unary_f32}. */
    public static String kernel(String base, DType t) {
        return base + "_" + suffix(t);
    }

    /** The kernel-name suffix of a dtype: f32, f64 or i32. */
    public static String suffix(DType t) {
        return switch (t) {
            case F32 -> "f32";
            case F64 -> "f64";
            case I32 -> "i32";
        };
    }

    /** Threads per block of row kernels: the next power of two >= cols, clamped to [32, 256]. */
    public static int rowBlock(int cols) {
        int b = 32;
        while (b < cols && b < 256) {
            b <<= 1;
        }
        return b;
    }

    /** Queues {@code module/kernel} on {@code grid x block}. */
    public void launch(String module, String kernel, Dim3 grid, Dim3 block, KernelArgs args) {
        launcher.launch(module, kernel, grid, block, args);
    }

    /** Queues a 1-D grid-stride kernel over {@code n} elements (see the class comment for its shape). */
    public void launch1d(String module, String kernel, long n, KernelArgs args) {
        int blocks = (int) Math.min((n + THREADS - 1) / THREADS, MAX_BLOCKS);
        launcher.launch(module, kernel, Dim3.of(blocks), Dim3.of(THREADS), args);
    }

    /** Queues one row kernel: {@code rows} blocks of {@code rowBlock(cols)} threads. */
    public void launchRows(String module, String kernel, int rows, int cols, KernelArgs args) {
        launcher.launch(module, kernel, Dim3.of(rows), Dim3.of(rowBlock(cols)), args);
    }

    /**
     * Device scratch of at least {@code bytes} (dot partials, reduction partials, split-K partials, scatter
     * buckets); reuse is safe because all work is ordered on one stream. Grows to max(bytes, 2 x current) by
     * freeing and reallocating after a synchronize.
     */
    public long scratch(long bytes) {
        if (bytes > scratchBytes) {
            long grown = Math.max(bytes, 2 * scratchBytes);
            if (scratchBytes > 0) {
                launcher.synchronize();
                launcher.free(scratch);
                scratchBytes = 0;
            }
            scratch = launcher.malloc(grown);
            scratchBytes = grown;
        }
        return scratch;
    }

    /** Frees the scratch block and the index-check slots (the launcher stays open). */
    void releaseScratch() {
        indexErrors.release();
        if (scratchBytes > 0) {
            launcher.free(scratch);
            scratchBytes = 0;
        }
    }
}
