package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.DType;

import java.util.Arrays;

/** Helpers for row-wise kernels over the last axis. */
final class Rows {
    private Rows() {
    }

    static Tensor softmax(Tensor x, boolean log) {
        Shapes.floating(log ? "logSoftmax" : "softmax", x);
        if (x.rank() == 0) {
            throw new IllegalArgumentException((log ? "logSoftmax" : "softmax") + ": need rank >= 1; given a scalar");
        }
        int cols = x.dim(-1);
        int rows = Math.toIntExact(x.size() / Math.max(1, cols));
        Tensor out = Tensor.empty(x.backend(), x.dtype(), x.shape());
        x.backend().softmax(x.buffer(), out.buffer(), rows, cols, log);
        return out;
    }

    static Tensor layerNorm(Tensor x, double eps) {
        Shapes.floating("layerNorm", x);
        if (x.rank() == 0) {
            throw new IllegalArgumentException("layerNorm: need rank >= 1; given a scalar");
        }
        int cols = x.dim(-1);
        int rows = Math.toIntExact(x.size() / Math.max(1, cols));
        Tensor out = Tensor.empty(x.backend(), x.dtype(), x.shape());
        DType dt = x.dtype();
        try (Tensor mean = Tensor.zeros(x.backend(), dt, rows); Tensor rstd = Tensor.zeros(x.backend(), dt, rows)) {
            x.backend().layerNorm(x.buffer(), out.buffer(), mean.buffer(), rstd.buffer(), rows, cols, eps);
        }
        return out;
    }

    /**
     * {@code dx = r (g - mean(g) - xhat mean(g xhat))} per row of x (the first-order vjp of {@link LayerNorm}):
     * mean and r from one {@code Backend#layerNorm} pass whose output goes to dx's buffer as scratch, then one
     * {@code Backend#layerNormBackward} pass into dx. x and g are plain values of one shape and dtype.
     */
    static Tensor layerNormBackward(Tensor x, Tensor g, double eps) {
        if (!Arrays.equals(x.shape(), g.shape()) || x.dtype() != g.dtype()) {
            throw new IllegalArgumentException("layerNorm vjp: the cotangent must have x's shape and dtype " + x
                    + "; given " + g);
        }
        int cols = x.dim(-1);
        int rows = Math.toIntExact(x.size() / Math.max(1, cols));
        DType dt = x.dtype();
        Tensor dx = Tensor.empty(x.backend(), dt, x.shape());
        try (Tensor mean = Tensor.empty(x.backend(), dt, rows); Tensor rstd = Tensor.empty(x.backend(), dt, rows)) {
            x.backend().layerNorm(x.buffer(), dx.buffer(), mean.buffer(), rstd.buffer(), rows, cols, eps);
            x.backend().layerNormBackward(g.buffer(), x.buffer(), mean.buffer(), rstd.buffer(), dx.buffer(), rows, cols);
        }
        return dx;
    }
}
