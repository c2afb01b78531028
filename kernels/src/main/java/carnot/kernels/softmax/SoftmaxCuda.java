package carnot.kernels.softmax;

import carnot.kernels.Buffer;
import carnot.kernels.DType;
import carnot.kernels.cuda.CudaDevice;
import carnot.kernels.cuda.KernelArgs;

import static carnot.kernels.cuda.CudaDevice.addr;
import static carnot.kernels.cuda.CudaDevice.kernel;

/**
 * The CUDA variant of the softmax family ({@code src/main/cuda/softmax.cu}): row softmax
 * {@code out_ij = exp(x_ij - max_i) / sum_j exp(x_ij - max_i)} or log-softmax
 * {@code x_ij - max_i - log sum_j exp(x_ij - max_i)}, one block per row, two passes (online max and rescaled sum
 * in double, then the write), in place allowed.
 * Arguments are validated by the caller.
 */
public final class SoftmaxCuda {
    private static final String MODULE = "softmax";

    private SoftmaxCuda() {
    }

    /** Softmax cross-entropy of each of {@code rows} rows of {@code cols} into out[rows] ({@code cross_entropy_T}). */
    public static void crossEntropy(CudaDevice dev, DType t, Buffer z, Buffer q, Buffer out, int rows, int cols) {
        if (rows > 0) {
            dev.launchRows(MODULE, kernel("cross_entropy", t), rows, cols,
                    new KernelArgs().ptr(addr(z, 0)).ptr(addr(q, 0)).ptr(addr(out, 0)).i32(rows).i32(cols));
        }
    }

    /** Softmax (or log-softmax when {@code log}) of each of {@code rows} rows of {@code cols} ({@code softmax_T}). */
    public static void softmax(CudaDevice dev, DType t, Buffer x, Buffer out, int rows, int cols, boolean log) {
        if (rows > 0 && cols > 0) {
            dev.launchRows(MODULE, kernel("softmax", t), rows, cols,
                    new KernelArgs().ptr(addr(x, 0)).ptr(addr(out, 0)).i32(rows).i32(cols).i32(log ? 1 : 0));
        }
    }
}
