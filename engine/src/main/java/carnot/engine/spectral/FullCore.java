package carnot.engine.spectral;

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
            double mm = be.dot(nn, m, m);
            double mtm = be.dot(nn, m, mt);
            asymmetryOut[0] = mm > 0 ? Math.sqrt(Math.max(0, 2 * (mm - mtm)) / mm) : 0;
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
