package carnot.science.spectral;

import carnot.kernels.Backend;
import carnot.kernels.Binary;
import carnot.kernels.Broadcast;
import carnot.kernels.Buffer;
import carnot.kernels.DType;

/**
 * The dense operator matrix from batched products with identity rows, {@code M[i, :] = (A e_i)^T}, symmetrised as
 * {@code (M + M^T) / 2} in place, and its eigendecomposition through {@link carnot.kernels.Backend#symmetricEigen}
 * (LAPACK dsyevd/ssyevd on the CPU backend).
 *
 * <p>Memory: the n x n matrix itself, plus per batched pass {@code b} identity rows and the operator's working set
 * for b directions (the adapter's copies in and out, {@link carnot.engine.LinearOperator#bytesPerDirection}), plus
 * one scratch panel of b rows for the symmetrisation. Symmetrisation never holds a second n x n buffer: row panel
 * {@code [i0, i0 + b)} reads its upper block {@code M[i0:i1, i0:n]} and the mirrored column block
 * {@code M[i0:n, i0:i1]}, neither touched by earlier panels, writes the symmetrised rows {@code M[i0:i1, i0:n]} back
 * and copies their left part {@code M[i0:i1, 0:i0]} from the earlier panels' final rows. Every entry is {@code (M[i,j] + M[j,i]) * 0.5} rounded
 * exactly as the former full-matrix {@code (M + M^T) * 0.5}, so the result is bitwise the same.
 */
final class FullCore {
    private FullCore() {
    }

    /**
     * Eigenvalues ascending; vectors (n x n, eigenvector j in column j, row-major) when requested, else null; the
     * relative asymmetry {@code ||M - M^T||_F / ||M||_F} of the assembled matrix before symmetrisation; the
     * directions per batched pass used.
     */
    record Raw(double[] values, Buffer vectors, double asymmetry, int products, int batch) {
    }

    /**
     * Assembles the symmetrised matrix into a new n x n buffer (caller frees) with {@code batch} directions per
     * pass (at most n); returns it and writes the asymmetry into {@code asymmetryOut[0]}.
     */
    static Buffer assemble(VecOp op, int batch, double[] asymmetryOut) {
        return assemble(op, batch, asymmetryOut, new int[1]);
    }

    /**
     * Assembles the symmetrised matrix with {@code batch} directions per pass (at most n). Every pass carries
     * exactly that many: the last one is moved back to end at row n, recomputing up to batch - 1 rows, so the
     * working set of every pass has the same buffer sizes (a smaller last pass would allocate a second set next to
     * the first, which the pools keep). Writes the products made into {@code productsOut[0]}.
     */
    static Buffer assemble(VecOp op, int batch, double[] asymmetryOut, int[] productsOut) {
        int n = op.dim();
        if (batch < 1) {
            throw new IllegalArgumentException("full Hessian needs batch >= 1; given " + batch);
        }
        Backend be = op.backend();
        DType t = op.dtype();
        int b = Math.min(batch, n);
        Buffer m = be.alloc(t, (long) n * n);
        Buffer e = be.alloc(t, (long) b * n);
        boolean ok = false;
        int products = 0;
        try {
            for (int done = 0; done < n; done += b) {
                int first = Math.min(done, n - b);
                be.fill(e, 0, (long) b * n, 0.0);
                for (int r = 0; r < b; r++) {
                    be.fill(e, (long) r * n + first + r, 1, 1.0);
                }
                op.apply(e, 0, m, (long) first * n, b);
                products += b;
            }
            asymmetryOut[0] = symmetrise(be, t, m, e, n, b);
            productsOut[0] = products;
            ok = true;
            return m;
        } finally {
            be.free(e);
            if (!ok) {
                be.free(m);
            }
        }
    }

    /**
     * Replaces M (n x n) by {@code (M + M^T) / 2} in place, panel by panel of {@code rows} rows with the scratch
     * {@code panel} (at least rows x n); returns {@code ||M - M^T||_F / ||M||_F} of the matrix given, computed from
     * the differences themselves (never from {@code ||M||^2 - <M, M^T>}, which cancels to 0 or to noise of order
     * sqrt(u)): each difference of two nearly equal entries is exact, so rounding-level asymmetries such as 1e-14
     * are reported as they are; 0 for the zero matrix.
     */
    static double symmetrise(Backend be, DType t, Buffer m, Buffer panel, int n, int rows) {
        double mm = be.dot((long) n * n, m, m);
        double dd = 0;
        Buffer diff = be.allocUninitialized(t, (long) rows * n);
        try {
            for (int i0 = 0; i0 < n; i0 += rows) {
                int cnt = Math.min(rows, n - i0);
                int w = n - i0;
                long corner = (long) i0 * n + i0;
                // panel[r, c] = M[i0 + c, i0 + r]: the column block, transposed
                be.copyStrided(m, new Broadcast(new int[] {cnt, w}, new long[] {1, n}, corner, new long[] {0, 0}, 0),
                        panel, 0);
                if (mm > 0) {
                    // sum over the whole matrix = 2 * (this panel's upper block) - (its diagonal block, counted twice)
                    be.binary(Binary.SUB, m, panel, diff,
                            new Broadcast(new int[] {cnt, w}, new long[] {n, 1}, corner, new long[] {w, 1}, 0));
                    double all = be.dot((long) cnt * w, diff, diff);
                    be.binary(Binary.SUB, m, panel, diff,
                            new Broadcast(new int[] {cnt, cnt}, new long[] {n, 1}, corner, new long[] {w, 1}, 0));
                    dd += 2 * all - be.dot((long) cnt * cnt, diff, diff);
                }
                be.binary(Binary.ADD, m, panel, panel,
                        new Broadcast(new int[] {cnt, w}, new long[] {n, 1}, corner, new long[] {w, 1}, 0));
                be.affine(panel, panel, (long) cnt * w, 0.5, 0.0);
                for (int r = 0; r < cnt; r++) {
                    be.copy(panel, (long) r * w, m, corner + (long) r * n, w);
                }
                if (i0 > 0) {
                    // M[i0:i1, 0:i0] = M[0:i0, i0:i1]^T, from the earlier panels' final upper blocks
                    be.copyStrided(m, new Broadcast(new int[] {cnt, i0}, new long[] {1, n}, i0, new long[] {0, 0}, 0),
                            diff, 0);
                    for (int r = 0; r < cnt; r++) {
                        be.copy(diff, (long) r * i0, m, (long) (i0 + r) * n, i0);
                    }
                }
            }
        } finally {
            be.free(diff);
        }
        return mm > 0 ? Math.sqrt(Math.max(0, dd) / mm) : 0;
    }

    static Raw run(VecOp op, int batch, boolean vectors) {
        int n = op.dim();
        double[] asym = new double[1];
        int[] products = new int[1];
        Buffer h = assemble(op, batch, asym, products);
        var be = op.backend();
        Buffer w = be.alloc(op.dtype(), n);
        try {
            be.symmetricEigen(h, w, n, vectors);
            double[] vals = carnot.kernels.HostData.toDoubles(w);
            Buffer vec = vectors ? h : null;
            if (vectors) {
                h = null;
            }
            return new Raw(vals, vec, asym[0], products[0], Math.min(batch, n));
        } finally {
            be.free(w);
            if (h != null) {
                be.free(h);
            }
        }
    }
}
