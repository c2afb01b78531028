package carnot.kernels.rng;

import carnot.kernels.Buffer;
import carnot.kernels.DType;
import carnot.kernels.cuda.CudaDevice;
import carnot.kernels.cuda.KernelArgs;

import static carnot.kernels.cuda.CudaDevice.addr;
import static carnot.kernels.cuda.CudaDevice.kernel;

/**
 * The CUDA variant of the random-number family ({@code src/main/cuda/rng.cu}): the {@link Philox} streams of the
 * README's RNG specification, a thread per element (1-D grid-stride). Uniforms are bitwise those of
 * {@link Philox}; normals differ only in the last bits of the device's log/cos. Arguments are validated by the
 * caller.
 */
public final class RngCuda {
    private static final String MODULE = "rng";

    private RngCuda() {
    }

    /** {@code out[i] = lo + (hi - lo) u(seed, offset + i)} ({@code uniform_T}). */
    public static void uniform(CudaDevice dev, DType t, Buffer out, long n, long seed, long offset, double lo,
                               double hi) {
        if (n > 0) {
            dev.launch1d(MODULE, kernel("uniform", t), n,
                    new KernelArgs().ptr(addr(out, 0)).i64(n).i64(seed).i64(offset).f64(lo).f64(hi));
        }
    }

    /** {@code out[i] = mean + std z(seed, offset + i)}, Box-Muller ({@code normal_T}). */
    public static void normal(CudaDevice dev, DType t, Buffer out, long n, long seed, long offset, double mean,
                              double std) {
        if (n > 0) {
            dev.launch1d(MODULE, kernel("normal", t), n,
                    new KernelArgs().ptr(addr(out, 0)).i64(n).i64(seed).i64(offset).f64(mean).f64(std));
        }
    }
}
