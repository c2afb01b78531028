package carnot.science.spectral;

import carnot.kernels.Binary;
import carnot.kernels.Broadcast;
import carnot.kernels.Buffer;
import carnot.kernels.DType;

/**
 * The dense operator matrix from batched products with identity rows, {@code M[i, :] = (A e_i)^T}, symmetrised as
 * {@code (M + M^T) / 2}, and its eigendecomposition through {@link carnot.kernels.Backend#symmetricEigen}
 * (LAPACK dsyevd/ssyevd on the CPU backend).
 */
final class FullCore {
    private FullCore() {
    }

    /**
     * Eigenvalues ascending; vectors (n x n, eigenvector j in column j, row-major) when requested, else null; the
     * relative asymmetry {@code ||M - M^T||_F / ||M||_F} of the assembled matrix before symmetrisation.
     */
    record Raw(double[] values, Buffer vectors, double asymmetry, int products) {
    }

    /** Assembles the symmetrised matrix into a new n x n buffer (caller frees); returns it and the asymmetry. */
    static Buffer assemble(VecOp op, int batch, double[] asymmetryOut) {
        int n = op.dim();
        if (batch < 1) {
            throw new IllegalArgumentException("full Hessian needs batch >= 1; given " + batch);
        }
        var be = op.backend();
        DType t = op.dtype();
        long nn = (long) n * n;
        Buffer m = be.alloc(t, nn);
        Buffer mt = null;
        int b = Math.min(batch, n);
        Buffer e = be.alloc(t, (long) b * n);
        try {
            for (int first = 0; first < n; first += b) {
                int cnt = Math.min(b, n - first);
                be.fill(e, 0, (long) b * n, 0.0);
                for (int r = 0; r < cnt; r++) {
                    be.fill(e, (long) r * n + first + r, 1, 1.0);
                }
                op.apply(e, 0, m, (long) first * n, cnt);
            }
            mt = be.alloc(t, nn);
            be.copyStrided(m, new Broadcast(new int[] {n, n}, new long[] {1, n}, 0, new long[] {0, 0}, 0), mt, 0);
            asymmetryOut[0] = asymmetry(be, m, mt, e, n, b);
            Broadcast dense = new Broadcast(new int[] {n, n}, new long[] {n, 1}, 0, new long[] {n, 1}, 0);
            be.binary(Binary.ADD, m, mt, mt, dense);
            be.affine(mt, mt, nn, 0.5, 0.0);
            Buffer out = mt;
            mt = null;
            return out;
        } finally {
            be.free(e);
            be.free(m);
            if (mt != null) {
                be.free(mt);
            }
        }
    }

    /**
     * {@code ||M - M^T||_F / ||M||_F} from the differences themselves (never from {@code ||M||^2 - <M, M^T>}, which
     * cancels to 0 or to noise of order sqrt(u)): {@code M - M^T} is formed {@code rows} rows at a time in
     * {@code scratch} (rows x n), each difference of two nearly equal entries being exact, so rounding-level
     * asymmetries such as 1e-14 are reported as they are; 0 for the zero matrix.
     */
    static double asymmetry(carnot.kernels.Backend be, Buffer m, Buffer mt, Buffer scratch, int n, int rows) {
        double mm = be.dot((long) n * n, m, m);
        if (!(mm > 0)) {
            return 0;
        }
        double dd = 0;
        for (int first = 0; first < n; first += rows) {
            int cnt = Math.min(rows, n - first);
            long off = (long) first * n;
            be.binary(Binary.SUB, m, mt, scratch,
                    new Broadcast(new int[] {cnt, n}, new long[] {n, 1}, off, new long[] {n, 1}, off));
            dd += be.dot((long) cnt * n, scratch, scratch);
        }
        return Math.sqrt(dd / mm);
    }

    static Raw run(VecOp op, int batch, boolean vectors) {
        int n = op.dim();
        double[] asym = new double[1];
        Buffer h = assemble(op, batch, asym);
        var be = op.backend();
        Buffer w = be.alloc(op.dtype(), n);
        try {
            be.symmetricEigen(h, w, n, vectors);
            double[] vals = carnot.kernels.HostData.toDoubles(w);
            Buffer vec = vectors ? h : null;
            if (vectors) {
                h = null;
            }
            return new Raw(vals, vec, asym[0], n);
        } finally {
            be.free(w);
            if (h != null) {
                be.free(h);
            }
        }
    }
}
