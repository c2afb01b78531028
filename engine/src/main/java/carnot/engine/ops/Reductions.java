package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Reduce;

/** Forward helper for keepdims reductions over sorted axes: one kernel call per run of adjacent axes. */
final class Reductions {
    private Reductions() {
    }

    static Tensor reduce(Reduce op, Tensor x, int[] axes) {
        Shapes.floating(op.name().toLowerCase(), x);
        int[] shape = x.shape();
        Tensor cur = x;
        int i = axes.length - 1;
        while (i >= 0) {
            int hi = axes[i];
            int lo = hi;
            while (i > 0 && axes[i - 1] == lo - 1) {
                i--;
                lo--;
            }
            i--;
            long outer = 1;
            long axis = 1;
            long inner = 1;
            for (int d = 0; d < shape.length; d++) {
                if (d < lo) {
                    outer *= shape[d];
                } else if (d <= hi) {
                    axis *= shape[d];
                } else {
                    inner *= shape[d];
                }
            }
            int[] next = shape.clone();
            for (int d = lo; d <= hi; d++) {
                next[d] = 1;
            }
            Tensor out = Tensor.empty(x.backend(), x.dtype(), next);
            x.backend().reduce(op, cur.buffer(), out.buffer(), outer, axis, inner);
            if (cur != x) {
                cur.close();
            }
            cur = out;
            shape = next;
        }
        return cur == x ? x.view(shape) : cur;
    }
}
