package carnot.kernels.elementwise;

import carnot.kernels.Binary;
import carnot.kernels.Broadcast;
import carnot.kernels.Buffer;
import carnot.kernels.DType;
import carnot.kernels.Unary;
import carnot.kernels.cuda.CudaDevice;
import carnot.kernels.cuda.CudaView;
import carnot.kernels.cuda.KernelArgs;
import carnot.kernels.cuda.OpCodes;

import static carnot.kernels.cuda.CudaDevice.addr;
import static carnot.kernels.cuda.CudaDevice.kernel;

/**
 * The CUDA variant of the elementwise family ({@code src/main/cuda/elementwise.cu}): unary ops and activation
 * derivatives, affine {@code alpha x + beta}, broadcasting binary ops (a dense same-shape kernel without index
 * arithmetic when no operand is broadcast or strided), where, axpy; all 1-D grid-stride launches over the output
 * elements (unary and dense binary in 16-byte vectors when aligned). Op codes are {@link OpCodes} (the kernels include the {@code ops.h} generated from
 * them). Arguments are validated by the caller.
 */
public final class ElementwiseCuda {
    private static final String MODULE = "elementwise";

    private ElementwiseCuda() {
    }

    /** {@code out[i] = op(x[i])} ({@code unary_T}). */
    public static void unary(CudaDevice dev, DType t, Unary op, Buffer x, Buffer out, long n) {
        if (n > 0) {
            dev.launch1d(MODULE, kernel("unary", t), n,
                    new KernelArgs().i32(OpCodes.of(op)).ptr(addr(x, 0)).ptr(addr(out, 0)).i64(n));
        }
    }

    /** {@code out[i] = alpha x[i] + beta} ({@code affine_T}). */
    public static void affine(CudaDevice dev, DType t, Buffer x, Buffer out, long n, double alpha, double beta) {
        if (n > 0) {
            boolean f32 = t == DType.F32;
            dev.launch1d(MODULE, kernel("affine", t), n, new KernelArgs().ptr(addr(x, 0)).ptr(addr(out, 0)).i64(n)
                    .real(f32, alpha).real(f32, beta));
        }
    }

    /**
     * {@code out[i] = op(a[ia(i)], b[ib(i)])} over the broadcast's dense index space: {@code binary_dense_T} when
     * both operands are dense and shaped like the output ({@link #isDense}), else {@code binary_T}.
     */
    public static void binary(CudaDevice dev, DType t, Binary op, Buffer a, Buffer b, Buffer out, Broadcast bc) {
        long n = bc.size();
        if (n == 0) {
            return;
        }
        long[] words = CudaView.words(bc.shape(), bc.stridesA(), bc.offsetA(), bc.stridesB(), bc.offsetB());
        if (isDense(words)) {
            dev.launch1d(MODULE, kernel("binary_dense", t), n, new KernelArgs().i32(OpCodes.of(op))
                    .ptr(addr(a, bc.offsetA())).ptr(addr(b, bc.offsetB())).ptr(addr(out, 0)).i64(n));
        } else {
            dev.launch1d(MODULE, kernel("binary", t), n, new KernelArgs().i32(OpCodes.of(op)).ptr(addr(a, 0))
                    .ptr(addr(b, 0)).ptr(addr(out, 0)).words(words).i64(n));
        }
    }

    /**
     * Whether a merged view ({@link CudaView#words}) reads both operands densely in output order: at most one axis
     * left after merging, with unit strides (no broadcast, no transpose).
     */
    static boolean isDense(long[] words) {
        long rank = words[0];
        return rank == 0 || (rank == 1 && words[9] == 1 && words[17] == 1);
    }

    /** {@code out[i] = mask[i] != 0 ? a[i] : b[i]} ({@code where_T}). */
    public static void where(CudaDevice dev, DType t, Buffer mask, Buffer a, Buffer b, Buffer out, long n) {
        if (n > 0) {
            dev.launch1d(MODULE, kernel("where", t), n, new KernelArgs().ptr(addr(mask, 0)).ptr(addr(a, 0))
                    .ptr(addr(b, 0)).ptr(addr(out, 0)).i64(n));
        }
    }

    /** {@code out[i] = tg[i] (1 - y[i]^2) - 2 g[i] y[i] ty[i]} ({@code tanh_backward_tangent_T}). */
    public static void tanhBackwardTangent(CudaDevice dev, DType t, Buffer tg, Buffer g, Buffer y, Buffer ty,
                                           Buffer out, long n) {
        if (n > 0) {
            dev.launch1d(MODULE, kernel("tanh_backward_tangent", t), n, new KernelArgs().ptr(addr(tg, 0))
                    .ptr(addr(g, 0)).ptr(addr(y, 0)).ptr(addr(ty, 0)).ptr(addr(out, 0)).i64(n));
        }
    }

    /** {@code out[i] = tg[i] gelu'(x[i]) + g[i] tx[i] gelu''(x[i])} ({@code gelu_backward_tangent_T}). */
    public static void geluBackwardTangent(CudaDevice dev, DType t, Buffer tg, Buffer g, Buffer x, Buffer tx,
                                           Buffer out, long n) {
        if (n > 0) {
            dev.launch1d(MODULE, kernel("gelu_backward_tangent", t), n, new KernelArgs().ptr(addr(tg, 0))
                    .ptr(addr(g, 0)).ptr(addr(x, 0)).ptr(addr(tx, 0)).ptr(addr(out, 0)).i64(n));
        }
    }

    /** {@code out[i] = tg[i] y[i] (1 - y[i]) + g[i] ty[i] (1 - 2 y[i])} ({@code sigmoid_backward_tangent_T}). */
    public static void sigmoidBackwardTangent(CudaDevice dev, DType t, Buffer tg, Buffer g, Buffer y, Buffer ty,
                                              Buffer out, long n) {
        if (n > 0) {
            dev.launch1d(MODULE, kernel("sigmoid_backward_tangent", t), n, new KernelArgs().ptr(addr(tg, 0))
                    .ptr(addr(g, 0)).ptr(addr(y, 0)).ptr(addr(ty, 0)).ptr(addr(out, 0)).i64(n));
        }
    }

    /** {@code y[i] += alpha x[i]} ({@code axpy_T}). */
    public static void axpy(CudaDevice dev, DType t, long n, double alpha, Buffer x, Buffer y) {
        if (n > 0) {
            dev.launch1d(MODULE, kernel("axpy", t), n,
                    new KernelArgs().i64(n).real(t == DType.F32, alpha).ptr(addr(x, 0)).ptr(addr(y, 0)));
        }
    }
}
