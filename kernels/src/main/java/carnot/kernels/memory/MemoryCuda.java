package carnot.kernels.memory;

import carnot.kernels.Broadcast;
import carnot.kernels.Buffer;
import carnot.kernels.cuda.CudaDevice;
import carnot.kernels.cuda.CudaView;
import carnot.kernels.cuda.KernelArgs;
import carnot.kernels.cuda.KernelLauncher;

import static carnot.kernels.cuda.CudaDevice.addr;
import static carnot.kernels.cuda.CudaDevice.kernel;

/**
 * The CUDA variant of the memory family ({@code src/main/cuda/memory.cu}): fill, dtype conversion, copies and
 * strided copies, all 1-D grid-stride launches over the output elements. Arguments are validated by the caller.
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

    /** {@code dst[dstOff + i] = src[view offset of i]} over the view's dense index space ({@code copy_strided_T}). */
    public static void copyStrided(CudaDevice dev, Buffer src, Broadcast view, Buffer dst, long dstOff) {
        long n = view.size();
        if (n == 0) {
            return;
        }
        long[] words = CudaView.words(view.shape(), view.stridesA(), view.offsetA(), new long[view.shape().length], 0);
        dev.launch1d(MODULE, kernel("copy_strided", src.dtype()), n,
                new KernelArgs().ptr(addr(src, 0)).words(words).ptr(addr(dst, dstOff)).i64(n));
    }
}
