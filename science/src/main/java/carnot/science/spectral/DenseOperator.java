package carnot.science.spectral;

import carnot.engine.LinearOperator;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.kernels.HostData;

/**
 * An explicit matrix as a {@link LinearOperator}: {@code apply(v) = M v}, {@code applyBatch(V) = V M^T} (one GEMM).
 * For tests, small examples, and checking solvers against a known matrix. Counts products.
 */
public final class DenseOperator implements LinearOperator {
    private final Tensor m;
    private final int n;
    private long products;

    /** Wraps a square tensor [n, n] (kept, not copied). */
    public DenseOperator(Tensor matrix) {
        int[] s = matrix.shape();
        if (s.length != 2 || s[0] != s[1]) {
            throw new IllegalArgumentException("DenseOperator needs a square [n, n] matrix; given "
                    + java.util.Arrays.toString(s));
        }
        this.m = matrix;
        this.n = s[0];
    }

    /** A new operator holding {@code rows} (n x n) in {@code dtype} on {@code be}. */
    public static DenseOperator of(Backend be, DType dtype, double[][] rows) {
        int n = rows.length;
        double[] flat = new double[n * n];
        for (int i = 0; i < n; i++) {
            if (rows[i].length != n) {
                throw new IllegalArgumentException("DenseOperator needs a square matrix; row " + i + " has "
                        + rows[i].length + " entries, required " + n);
            }
            System.arraycopy(rows[i], 0, flat, i * n, n);
        }
        return new DenseOperator(Tensor.of(be, dtype, flat, n, n));
    }

    /** Operator applications so far (rows of applyBatch count one each). */
    public long products() {
        return products;
    }

    @Override
    public int dim() {
        return n;
    }

    @Override
    public DType dtype() {
        return m.dtype();
    }

    @Override
    public Backend backend() {
        return m.backend();
    }

    @Override
    public Tensor apply(Tensor v) {
        if (v.size() != n || v.rank() != 1) {
            throw new IllegalArgumentException("DenseOperator.apply needs v of shape [" + n + "]; given "
                    + java.util.Arrays.toString(v.shape()));
        }
        return applyBatch(v.reshape(1, n)).reshape(n);
    }

    @Override
    public Tensor applyBatch(Tensor vs) {
        if (vs.rank() != 2 || vs.dim(1) != n) {
            throw new IllegalArgumentException("DenseOperator.applyBatch needs V of shape [k, " + n + "]; given "
                    + java.util.Arrays.toString(vs.shape()));
        }
        int k = vs.dim(0);
        Tensor out = Tensor.zeros(backend(), dtype(), k, n);
        backend().gemm(false, true, k, n, n, 1.0, vs.buffer(), 0, n, m.buffer(), 0, n, 0.0, out.buffer(), 0, n);
        products += k;
        return out;
    }

    /** The matrix entries as host rows (for checks). */
    public double[][] toRows() {
        double[] flat = HostData.toDoubles(m.buffer());
        double[][] r = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * n, r[i], 0, n);
        }
        return r;
    }
}
