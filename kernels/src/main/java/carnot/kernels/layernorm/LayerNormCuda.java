package carnot.kernels.layernorm;

import carnot.kernels.Buffer;
import carnot.kernels.DType;
import carnot.kernels.cuda.CudaDevice;
import carnot.kernels.cuda.KernelArgs;

import static carnot.kernels.cuda.CudaDevice.addr;
import static carnot.kernels.cuda.CudaDevice.kernel;

/**
 * The CUDA variant of the layer-norm family ({@code src/main/cuda/layernorm.cu}), one block per row, sums in
 * double. Forward: {@code mean_i}, {@code rstd_i = 1 / sqrt(var_i + eps)}, {@code out_ij = (x_ij - mean_i) rstd_i}.
 * Backward, with {@code xhat = (x - mean) rstd}:
 * {@code dx_ij = rstd_i (dy_ij - mean_j(dy_i) - xhat_ij mean_j(dy_i xhat_i))}. Arguments are validated by the caller.
 */
public final class LayerNormCuda {
    private static final String MODULE = "layernorm";

    private LayerNormCuda() {
    }

    /** Forward ({@code layernorm_T}). */
    public static void forward(CudaDevice dev, DType t, Buffer x, Buffer out, Buffer mean, Buffer rstd, int rows,
                               int cols, double eps) {
        if (rows > 0 && cols > 0) {
            dev.launchRows(MODULE, kernel("layernorm", t), rows, cols,
                    new KernelArgs().ptr(addr(x, 0)).ptr(addr(out, 0)).ptr(addr(mean, 0)).ptr(addr(rstd, 0))
                            .i32(rows).i32(cols).f64(eps));
        }
    }

    /** Backward ({@code layernorm_backward_T}). */
    public static void backward(CudaDevice dev, DType t, Buffer dy, Buffer x, Buffer mean, Buffer rstd, Buffer dx,
                                int rows, int cols) {
        if (rows > 0 && cols > 0) {
            dev.launchRows(MODULE, kernel("layernorm_backward", t), rows, cols,
                    new KernelArgs().ptr(addr(dy, 0)).ptr(addr(x, 0)).ptr(addr(mean, 0)).ptr(addr(rstd, 0))
                            .ptr(addr(dx, 0)).i32(rows).i32(cols));
        }
    }
}
