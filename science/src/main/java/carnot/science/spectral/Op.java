package carnot.science.spectral;

import carnot.engine.LinearOperator;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;

/**
 * Adapts a {@link LinearOperator} to the solvers' row-buffer view: rows are copied into a fresh tensor, applied
 * with {@link LinearOperator#apply} (one row) or {@link LinearOperator#applyBatch} (several), and the result copied
 * back; everything temporary lives in a {@link Scope} closed after each call. Counts products.
 */
final class Op implements VecOp {
    private final LinearOperator op;
    private long products;

    Op(LinearOperator op) {
        if (op == null) {
            throw new IllegalArgumentException("a linear operator is required; given null");
        }
        if (!op.dtype().isFloating()) {
            throw new IllegalArgumentException("spectral methods need an F32 or F64 operator; given " + op.dtype());
        }
        this.op = op;
    }

    @Override
    public int dim() {
        return op.dim();
    }

    @Override
    public DType dtype() {
        return op.dtype();
    }

    @Override
    public Backend backend() {
        return op.backend();
    }

    long products() {
        return products;
    }

    @Override
    public void apply(Buffer x, long xOff, Buffer y, long yOff, int k) {
        int n = op.dim();
        Backend be = op.backend();
        try (Scope s = Scope.open()) {
            Tensor v = k == 1 ? Tensor.zeros(be, op.dtype(), n) : Tensor.zeros(be, op.dtype(), k, n);
            be.copy(x, xOff, v.buffer(), 0, (long) k * n);
            Tensor r = k == 1 ? op.apply(v) : op.applyBatch(v);
            if (r.size() != (long) k * n || r.dtype() != op.dtype()) {
                throw new IllegalStateException("operator returned " + r + " for " + k + " input rows of length " + n
                        + "; required " + k + " x " + n + " in " + op.dtype());
            }
            be.copy(r.buffer(), 0, y, yOff, (long) k * n);
        }
        products += k;
    }

    /** Copies a tensor of shape [P] or [k, P] into a new row buffer (caller frees); returns the row count. */
    static Buffer rowsOf(Tensor t, VecOp op, String what) {
        int n = op.dim();
        if (t.dtype() != op.dtype() || t.backend() != op.backend()) {
            throw new IllegalArgumentException(what + " must be " + op.dtype() + " on backend " + op.backend().name()
                    + " like the operator; given " + t.dtype() + " on " + t.backend().name());
        }
        int[] s = t.shape();
        boolean ok = (s.length == 1 && s[0] == n) || (s.length == 2 && s[1] == n && s[0] >= 1);
        if (!ok) {
            throw new IllegalArgumentException(what + " must have shape [" + n + "] or [k, " + n + "]; given "
                    + java.util.Arrays.toString(s));
        }
        Buffer b = t.backend().alloc(t.dtype(), t.size());
        t.backend().copy(t.buffer(), 0, b, 0, t.size());
        return b;
    }

    /** The sum of the rows of {@code rows} (k rows of length n), as a new one-row buffer (caller frees). */
    static Buffer sumOfRows(Backend be, DType dtype, Buffer rows, int k, int n) {
        Buffer out = be.alloc(dtype, n);
        try (Work w = new Work(be, dtype, n)) {
            double[][] ones = new double[k][1];
            for (double[] o : ones) {
                o[0] = 1;
            }
            w.combine(rows, 0, ones, 0.0, out, 0);
        }
        return out;
    }

    /** Wraps solver rows (k x n, freed here) as a tensor [k, n] owned by the current scope. */
    static Tensor tensorOf(Buffer rows, int k, int n, DType dtype) {
        Backend be = rows.owner();
        Tensor t = Tensor.zeros(be, dtype, k, n);
        be.copy(rows, 0, t.buffer(), 0, (long) k * n);
        be.free(rows);
        return t;
    }
}
