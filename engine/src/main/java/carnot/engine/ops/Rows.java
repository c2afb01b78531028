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

    /** Layer norm of the rows of x; the rows' mean and rstd go to {@code stats[0]} and {@code stats[1]}. */
    static Tensor layerNorm(Tensor x, double eps, Tensor[] stats) {
        Shapes.floating("layerNorm", x);
        if (x.rank() == 0) {
            throw new IllegalArgumentException("layerNorm: need rank >= 1; given a scalar");
        }
        int cols = x.dim(-1);
        int rows = Math.toIntExact(x.size() / Math.max(1, cols));
        Tensor out = Tensor.empty(x.backend(), x.dtype(), x.shape());
        DType dt = x.dtype();
        Tensor mean = Tensor.zeros(x.backend(), dt, rows);
        Tensor rstd = Tensor.zeros(x.backend(), dt, rows);
        x.backend().layerNorm(x.buffer(), out.buffer(), mean.buffer(), rstd.buffer(), rows, cols, eps);
        stats[0] = mean;
        stats[1] = rstd;
        return out;
    }

    /**
     * {@code dx = r (g - mean(g) - xhat mean(g xhat))} per row of x (the first-order vjp of {@link LayerNorm}): one
     * {@code Backend#layerNormBackward} pass with the rows' mean and r from {@code stats} (the forward's), or when
     * null from one {@code Backend#layerNorm} pass whose output goes to dx's buffer as scratch. x and g are plain
     * values of one shape and dtype.
     */
    static Tensor layerNormBackward(Tensor x, Tensor g, double eps, Tensor[] stats) {
        if (!Arrays.equals(x.shape(), g.shape()) || x.dtype() != g.dtype()) {
            throw new IllegalArgumentException("layerNorm vjp: the cotangent must have x's shape and dtype " + x
                    + "; given " + g);
        }
        int cols = x.dim(-1);
        int rows = Math.toIntExact(x.size() / Math.max(1, cols));
        DType dt = x.dtype();
        Tensor dx = Tensor.empty(x.backend(), dt, x.shape());
        if (stats != null) {
            x.backend().layerNormBackward(g.buffer(), x.buffer(), stats[0].buffer(), stats[1].buffer(), dx.buffer(),
                    rows, cols);
            return dx;
        }
        try (Tensor mean = Tensor.empty(x.backend(), dt, rows); Tensor rstd = Tensor.empty(x.backend(), dt, rows)) {
            x.backend().layerNorm(x.buffer(), dx.buffer(), mean.buffer(), rstd.buffer(), rows, cols, eps);
            x.backend().layerNormBackward(g.buffer(), x.buffer(), mean.buffer(), rstd.buffer(), dx.buffer(), rows, cols);
        }
        return dx;
    }
}
