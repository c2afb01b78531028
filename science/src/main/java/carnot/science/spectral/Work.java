package carnot.science.spectral;

import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;
import carnot.kernels.HostData;

/**
 * Row-block linear algebra for the eigensolvers: vectors of length {@code n} stored as consecutive rows of one
 * buffer, every bulk operation a GEMM on the operator's backend (so reorthogonalisation against a whole basis is
 * one matrix product, not a loop of dots). Small projected matrices live on the host in double precision.
 * Owns two scratch buffers; close it to free them.
 */
final class Work implements AutoCloseable {
    final Backend be;
    final DType dtype;
    final int n;
    private Buffer small;
    private Buffer smallOut;

    Work(Backend be, DType dtype, int n) {
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException("spectral methods need an F32 or F64 operator; given " + dtype);
        }
        this.be = be;
        this.dtype = dtype;
        this.n = n;
    }

    /** A new zero buffer of {@code rows} vectors. */
    Buffer rows(int rows) {
        return be.alloc(dtype, (long) rows * n);
    }

    private Buffer small(long len) {
        if (small == null || small.length() < len) {
            if (small != null) {
                be.free(small);
            }
            small = be.alloc(dtype, Math.max(len, 64));
        }
        return small;
    }

    private Buffer smallOut(long len) {
        if (smallOut == null || smallOut.length() < len) {
            if (smallOut != null) {
                be.free(smallOut);
            }
            smallOut = be.alloc(dtype, Math.max(len, 64));
        }
        return smallOut;
    }

    /** {@code G = A[ra x n] * B[rb x n]^T} (ra x rb) for row blocks at element offsets aOff, bOff. */
    double[][] cross(Buffer a, long aOff, int ra, Buffer b, long bOff, int rb) {
        Buffer g = smallOut((long) ra * rb);
        be.gemm(false, true, ra, rb, n, 1.0, a, aOff, n, b, bOff, n, 0.0, g, 0, rb);
        double[] flat = HostData.toDoubles(g, 0, ra * rb);
        double[][] out = new double[ra][rb];
        for (int i = 0; i < ra; i++) {
            System.arraycopy(flat, i * rb, out[i], 0, rb);
        }
        return out;
    }

    /**
     * {@code out[c x n] = beta * out + C^T[c x r] * Q[r x n]}: row j of out is {@code sum_i C[i][j] * Q_i}.
     * {@code out} must not overlap {@code Q}'s rows.
     */
    void combine(Buffer q, long qOff, double[][] c, double beta, Buffer out, long outOff) {
        int r = c.length;
        int cols = c[0].length;
        double[] flat = new double[r * cols];
        for (int i = 0; i < r; i++) {
            System.arraycopy(c[i], 0, flat, i * cols, cols);
        }
        Buffer cb = small(flat.length);
        HostData.write(cb, 0, flat);
        be.gemm(true, false, cols, n, r, 1.0, cb, 0, cols, q, qOff, n, beta, out, outOff, n);
    }

    /**
     * Classical Gram-Schmidt applied twice (CGS2) of the rows {@code w[0..k)} against the first {@code rows}
     * rows of {@code q}: {@code w -= Q^T (Q w)}; returns the accumulated coefficients {@code h[rows][k]}.
     */
    double[][] orthogonalize(Buffer q, int rows, Buffer w, long wOff, int k) {
        double[][] total = new double[rows][k];
        if (rows == 0) {
            return total;
        }
        for (int pass = 0; pass < 2; pass++) {
            double[][] h = cross(q, 0, rows, w, wOff, k);
            combineInto(q, rows, h, w, wOff);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < k; j++) {
                    total[i][j] += h[i][j];
                }
            }
        }
        return total;
    }

    /**
     * Full reorthogonalisation of one Lanczos vector {@code w} (row 0 of its buffer) against the first {@code rows}
     * basis rows, returning the coefficients {@code Q w} (accumulated). First a local step against the last two
     * rows (which carry the large alpha and beta components), then one full CGS pass, and a second full pass only
     * when the full pass shrank the norm below {@code 1/sqrt(2)} of its value before it (the DGKS criterion), so
     * most steps read the basis twice instead of four times.
     */
    double[] orthogonalizeLanczos(Buffer q, int rows, Buffer w) {
        double[] total = new double[rows];
        int lo = Math.max(0, rows - 2);
        double[][] local = cross(q, (long) lo * n, rows - lo, w, 0, 1);
        combineInto(q, (long) lo * n, rows - lo, local, w, 0);
        for (int i = lo; i < rows; i++) {
            total[i] += local[i - lo][0];
        }
        for (int pass = 0; pass < 2; pass++) {
            double before = norm(w, 0);
            double[][] h = cross(q, 0, rows, w, 0, 1);
            combineInto(q, 0, rows, h, w, 0);
            for (int i = 0; i < rows; i++) {
                total[i] += h[i][0];
            }
            if (norm(w, 0) >= Math.sqrt(0.5) * before) {
                break;
            }
        }
        return total;
    }

    /** {@code w[k x n] -= h^T[k x rows] * Q[rows x n]}. */
    private void combineInto(Buffer q, int rows, double[][] h, Buffer w, long wOff) {
        combineInto(q, 0, rows, h, w, wOff);
    }

    /** {@code w[k x n] -= h^T[k x rows] * Q[rows x n]} with Q's rows starting at element {@code qOff}. */
    private void combineInto(Buffer q, long qOff, int rows, double[][] h, Buffer w, long wOff) {
        int k = h[0].length;
        double[] flat = new double[rows * k];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(h[i], 0, flat, i * k, k);
        }
        Buffer hb = small(flat.length);
        HostData.write(hb, 0, flat);
        be.gemm(true, false, k, n, rows, -1.0, hb, 0, k, q, qOff, n, 1.0, w, wOff, n);
    }

    /** Euclidean norm of the row at element offset {@code off}. */
    double norm(Buffer x, long off) {
        return Math.sqrt(Math.max(0, cross(x, off, 1, x, off, 1)[0][0]));
    }

    /** Scales the row at {@code off} of {@code x} by {@code s}, writing it to {@code out} at {@code outOff}. */
    void scaleRow(Buffer x, long off, double s, Buffer out, long outOff) {
        combine(x, off, new double[][] {{s}}, 0.0, out, outOff);
    }

    /**
     * Symmetric eigendecomposition of a small host matrix through {@link Backend#symmetricEigen} (LAPACK on the
     * CPU backend), in F64. The input is symmetrised as {@code (T + T^T) / 2}.
     */
    Eigh eigh(double[][] t) {
        int m = t.length;
        double[] flat = new double[m * m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                flat[i * m + j] = 0.5 * (t[i][j] + t[j][i]);
            }
        }
        try (Buffer a = HostData.upload(be, DType.F64, flat); Buffer w = be.alloc(DType.F64, m)) {
            be.symmetricEigen(a, w, m, true);
            double[] vals = HostData.toDoubles(w);
            double[] vecs = HostData.toDoubles(a);
            double[][] v = new double[m][m];
            for (int i = 0; i < m; i++) {
                System.arraycopy(vecs, i * m, v[i], 0, m);
            }
            return new Eigh(vals, v);
        }
    }

    /** Eigenvalues ascending; {@code vectors[i][j]} is component i of eigenvector j. */
    record Eigh(double[] values, double[][] vectors) {
    }

    @Override
    public void close() {
        if (small != null) {
            be.free(small);
            small = null;
        }
        if (smallOut != null) {
            be.free(smallOut);
            smallOut = null;
        }
    }
}
