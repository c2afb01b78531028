package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Binary;
import carnot.kernels.Broadcast;
import carnot.kernels.Unary;

/** Kernel calls shared by primitive forwards (and only by them). */
final class Kernels {
    private Kernels() {
    }

    /** {@code op(x)} elementwise into a new tensor. */
    static Tensor unary(Unary op, Tensor x) {
        Shapes.floating(op.name(), x);
        Tensor out = Tensor.empty(x.backend(), x.dtype(), x.shape());
        x.backend().unary(op, x.buffer(), out.buffer(), x.size());
        return out;
    }

    /** {@code op(a, b)} with NumPy broadcasting into a new tensor. */
    static Tensor binary(Binary op, Tensor a, Tensor b) {
        Shapes.sameDtype(op.name(), a, b);
        Broadcast bc = Broadcast.of(a.shape(), b.shape());
        Tensor out = Tensor.empty(a.backend(), a.dtype(), bc.shape());
        a.backend().binary(op, a.buffer(), b.buffer(), out.buffer(), bc);
        return out;
    }

    /** Dense copy of a strided view of {@code x}: output shape {@code shape}, source strides and offset. */
    static Tensor strided(Tensor x, int[] shape, long[] strides, long offset) {
        Tensor out = Tensor.empty(x.backend(), x.dtype(), shape);
        if (out.size() > 0) {
            x.backend().copyStrided(x.buffer(), new Broadcast(shape, strides, offset, new long[shape.length], 0), out.buffer(), 0);
        }
        return out;
    }
}
