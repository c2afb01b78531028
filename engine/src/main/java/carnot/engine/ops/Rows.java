package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.DType;

/** Forward helpers for row-wise kernels over the last axis. */
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
}
