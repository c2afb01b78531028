package carnot.kernels.memory;

import carnot.kernels.Broadcast;
import carnot.kernels.Buffer;
import carnot.kernels.cuda.CudaDevice;
import carnot.kernels.cuda.CudaView;
import carnot.kernels.cuda.Dim3;
import carnot.kernels.cuda.KernelArgs;
import carnot.kernels.cuda.KernelLauncher;

import static carnot.kernels.cuda.CudaDevice.addr;
import static carnot.kernels.cuda.CudaDevice.kernel;

/**
 * The CUDA variant of the memory family ({@code src/main/cuda/memory.cu}): fill, dtype conversion, copies and
 * strided copies, 1-D grid-stride launches over the output elements, except that a strided copy whose last two
 * merged axes are a transpose (see {@link #isTranspose}) goes to the 32 x 32 shared-memory tile kernel
 * {@code transpose_T}. Arguments are validated by the caller.
 */
public final class MemoryCuda {
    private static final String MODULE = "memory";

    private MemoryCuda() {
    }

    /** {@code x[off + i] = value} for i < n ({@code fill_T}). */
    public static void fill(CudaDevice dev, Buffer x, long off, long n, double value) {
        if (n == 0) {
            return;
        }
        KernelArgs args = new KernelArgs().ptr(addr(x, off)).i64(n);
        switch (x.dtype()) {
            case F32 -> args.f32((float) value);
            case F64 -> args.f64(value);
            case I32 -> args.i32((int) value);
        }
        dev.launch1d(MODULE, kernel("fill", x.dtype()), n, args);
    }

    /** {@code dst[i] = (dst dtype) src[i]}; same dtype is a device copy ({@code convert_<from>_<to>}). */
    public static void convert(CudaDevice dev, Buffer src, Buffer dst, long n) {
        if (n == 0) {
            return;
        }
        if (src.dtype() == dst.dtype()) {
            if (src != dst) {
                dev.launcher().copyOnDevice(addr(src, 0), addr(dst, 0), n * src.dtype().bytes());
            }
            return;
        }
        dev.launch1d(MODULE, "convert_" + CudaDevice.suffix(src.dtype()) + "_" + CudaDevice.suffix(dst.dtype()), n,
                new KernelArgs().ptr(addr(src, 0)).ptr(addr(dst, 0)).i64(n));
    }

    /** {@code dst[dstOff + i] = src[srcOff + i]}; overlapping ranges of one buffer go through a temporary. */
    public static void copy(CudaDevice dev, Buffer src, long srcOff, Buffer dst, long dstOff, long n) {
        if (n == 0 || (src == dst && srcOff == dstOff)) {
            return;
        }
        KernelLauncher l = dev.launcher();
        long bytes = n * src.dtype().bytes();
        boolean overlap = src == dst && srcOff < dstOff + n && dstOff < srcOff + n;
        if (!overlap) {
            l.copyOnDevice(addr(src, srcOff), addr(dst, dstOff), bytes);
            return;
        }
        long tmp = l.malloc(bytes);
        try {
            l.copyOnDevice(addr(src, srcOff), tmp, bytes);
            l.copyOnDevice(tmp, addr(dst, dstOff), bytes);
            l.synchronize();
        } finally {
            l.free(tmp);
        }
    }

    /** Tile edge and rows of {@code transpose_T} (block TILE x TILE_ROWS). */
    static final int TILE = 32;
    static final int TILE_ROWS = 8;

    /**
     * {@code dst[dstOff + i] = src[view offset of i]} over the view's dense index space: {@code transpose_T} when
     * {@link #isTranspose}, else {@code copy_strided_T}.
     */
    public static void copyStrided(CudaDevice dev, Buffer src, Broadcast view, Buffer dst, long dstOff) {
        long n = view.size();
        if (n == 0) {
            return;
        }
        long[] words = CudaView.words(view.shape(), view.stridesA(), view.offsetA(), new long[view.shape().length], 0);
        KernelArgs args = new KernelArgs().ptr(addr(src, 0)).words(words).ptr(addr(dst, dstOff));
        if (isTranspose(words, n)) {
            int r = (int) words[0];
            long p = words[r - 1];
            long q = words[r];
            long batches = n / (p * q);
            dev.launch(MODULE, kernel("transpose", src.dtype()),
                    new Dim3((int) ((q + TILE - 1) / TILE), (int) ((p + TILE - 1) / TILE), (int) Math.min(batches, 65535)),
                    new Dim3(TILE, TILE_ROWS, 1), args.i64(batches));
        } else {
            dev.launch1d(MODULE, kernel("copy_strided", src.dtype()), n, args.i64(n));
        }
    }

    /**
     * Whether the merged view ({@link CudaView#words}) is a (batched) transpose of its last two axes: rank >= 2, the
     * second-to-last axis has source stride 1 and the last one does not (so reading along the output's columns
     * would be strided), and the tile grid fits (rows / 32 <= 65535, columns / 32 < 2^31, fewer than 2^31 batches:
     * the kernel decomposes the batch index in 32 bits). {@code n} is the view's size.
     */
    static boolean isTranspose(long[] words, long n) {
        int r = (int) words[0];
        if (r < 2) {
            return false;
        }
        long p = words[r - 1];
        long q = words[r];
        long sp = words[9 + r - 2];
        long sq = words[9 + r - 1];
        return sp == 1 && sq != 1 && (p + TILE - 1) / TILE <= 65535 && (q + TILE - 1) / TILE <= Integer.MAX_VALUE
                && n / (p * q) <= Integer.MAX_VALUE;
    }
}
