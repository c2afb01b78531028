package carnot.science.spectral;

import carnot.kernels.Buffer;

/**
 * LOBPCG (Knyazev 2001) without preconditioner for the k largest or smallest eigenpairs, on row buffers.
 *
 * <p>Per iteration: residuals {@code W = A X - X Theta}; W and the previous direction P are made orthogonal to X
 * (CGS2) and the pair {@code [W; P]} orthonormalised by SVQB (eigen-decomposition of its Gram matrix, dropping
 * directions with Gram eigenvalue below {@code 1e-10} (f64) / {@code 1e-5} (f32) of the largest); then Rayleigh-Ritz
 * on {@code [X; W; P]}. Only {@code A W} is a new product, applied to all k rows in one batched call: k products per
 * iteration. {@code A X} and {@code A P} are carried along as the same linear combinations. A pair is converged when
 * {@code ||A x_i - theta_i x_i|| <= tol * max |theta|}.
 */
final class LobpcgCore {
    private LobpcgCore() {
    }

    static LanczosCore.Raw run(VecOp op, int k, Which which, double tol, int maxProducts, long seed, Buffer warm,
                               int warmRows) {
        int n = op.dim();
        if (which != Which.LARGEST && which != Which.SMALLEST) {
            throw new IllegalArgumentException("LOBPCG supports which = LARGEST or SMALLEST; given " + which);
        }
        if (k < 1 || 3 * k > n) {
            throw new IllegalArgumentException("LOBPCG needs 1 <= k and 3k <= dim; given k=" + k + ", dim=" + n);
        }
        if (!(tol > 0) || maxProducts < k) {
            throw new IllegalArgumentException("LOBPCG needs tol > 0 and maxIter >= k; given tol=" + tol
                    + ", maxIter=" + maxProducts + ", k=" + k);
        }
        try (Work w = new Work(op.backend(), op.dtype(), n)) {
            Buffer b = w.rows(3 * k);
            Buffer ab = w.rows(3 * k);
            Buffer tmp = w.rows(3 * k);
            try {
                return iterate(op, w, b, ab, tmp, k, which, tol, maxProducts, seed, warm, warmRows);
            } finally {
                w.be.free(b);
                w.be.free(ab);
                w.be.free(tmp);
            }
        }
    }

    private static LanczosCore.Raw iterate(VecOp op, Work w, Buffer b, Buffer ab, Buffer tmp, int k, Which which,
                                           double tol, int maxProducts, long seed, Buffer warm, int warmRows) {
        int n = w.n;
        double dropRel = op.dtype() == carnot.kernels.DType.F32 ? 1e-5 : 1e-10;
        int given = warm == null ? 0 : Math.min(warmRows, k);
        if (given > 0) {
            w.be.copy(warm, 0, b, 0, (long) given * n);
        }
        if (given < k) {
            w.be.normal(tmp, (long) (k - given) * n, seed, 0, 0, 1);
            w.be.copy(tmp, 0, b, (long) given * n, (long) (k - given) * n);
        }
        int r0 = svqb(w, b, 0, k, null, tmp, dropRel);
        if (r0 < k) {
            throw new IllegalArgumentException("LOBPCG start block must have rank k=" + k + "; it has rank " + r0);
        }
        op.apply(b, 0, ab, 0, k);
        int products = k;
        double[] theta = new double[k];
        double normEst = 0;
        boolean hasP = false;
        double[] res = new double[k];
        int iterations = 0;
        int basisRows = k;
        while (true) {
            double[][] ar = w.cross(b, 0, basisRows, ab, 0, basisRows);
            Work.Eigh e = w.eigh(ar);
            int[] sel = which.select(e.values(), k);
            double[][] c = new double[basisRows][k];
            for (int s = 0; s < k; s++) {
                theta[s] = e.values()[sel[s]];
                normEst = Math.max(normEst, Math.abs(theta[s]));
                for (int i = 0; i < basisRows; i++) {
                    c[i][s] = e.vectors()[i][sel[s]];
                }
            }
            w.combine(b, 0, c, 0.0, tmp, 0);
            w.be.copy(tmp, 0, b, 0, (long) k * n);
            w.combine(ab, 0, c, 0.0, tmp, 0);
            w.be.copy(tmp, 0, ab, 0, (long) k * n);
            if (basisRows > k) {
                double[][] cp = new double[basisRows - k][k];
                for (int i = k; i < basisRows; i++) {
                    cp[i - k] = c[i];
                }
                w.combine(b, (long) k * n, cp, 0.0, tmp, 0);
                w.combine(ab, (long) k * n, cp, 0.0, tmp, (long) k * n);
                w.be.copy(tmp, 0, b, 2L * k * n, (long) k * n);
                w.be.copy(tmp, (long) k * n, ab, 2L * k * n, (long) k * n);
                hasP = true;
            }
            w.be.copy(ab, 0, b, (long) k * n, (long) k * n);
            double[][] negTheta = new double[k][k];
            for (int s = 0; s < k; s++) {
                negTheta[s][s] = -theta[s];
            }
            w.combine(b, 0, negTheta, 1.0, b, (long) k * n);
            double[][] g = w.cross(b, (long) k * n, k, b, (long) k * n, k);
            boolean done = true;
            for (int s = 0; s < k; s++) {
                res[s] = Math.sqrt(Math.max(0, g[s][s]));
                done &= res[s] <= tol * normEst;
            }
            iterations++;
            if (done || products + k > maxProducts) {
                Buffer x = w.rows(k);
                w.be.copy(b, 0, x, 0, (long) k * n);
                return new LanczosCore.Raw(theta.clone(), res.clone(), res.clone(), x, products, iterations, done);
            }
            orthoAgainstX(w, b, k, k * (long) n, null);
            int rw = svqb(w, b, k, k, null, tmp, dropRel);
            if (rw == 0) {
                Buffer x = w.rows(k);
                w.be.copy(b, 0, x, 0, (long) k * n);
                return new LanczosCore.Raw(theta.clone(), res.clone(), res.clone(), x, products, iterations, true);
            }
            op.apply(b, (long) k * n, ab, (long) k * n, rw);
            products += rw;
            int rows = rw;
            if (hasP) {
                w.be.copy(b, 2L * k * n, tmp, 0, (long) k * n);
                w.be.copy(ab, 2L * k * n, tmp, (long) k * n, (long) k * n);
                w.be.copy(tmp, 0, b, (long) (k + rw) * n, (long) k * n);
                w.be.copy(tmp, (long) k * n, ab, (long) (k + rw) * n, (long) k * n);
                orthoAgainstX(w, b, k, (long) (k + rw) * n, ab);
                rows = rw + k;
            }
            int r = svqb(w, b, k, rows, ab, tmp, dropRel);
            basisRows = k + r;
        }
    }

    /**
     * Makes the k rows of b at element offset {@code off} orthogonal to X = b rows [0, k) (CGS2); when {@code ab}
     * is given applies the same combination to its rows at {@code off} using A X = ab rows [0, k).
     */
    private static void orthoAgainstX(Work w, Buffer b, int k, long off, Buffer ab) {
        double[][] total = new double[k][k];
        for (int pass = 0; pass < 2; pass++) {
            double[][] h = w.cross(b, 0, k, b, off, k);
            double[][] neg = new double[k][k];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    neg[i][j] = -h[i][j];
                    total[i][j] += h[i][j];
                }
            }
            w.combine(b, 0, neg, 1.0, b, off);
        }
        if (ab != null) {
            double[][] neg = new double[k][k];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    neg[i][j] = -total[i][j];
                }
            }
            w.combine(ab, 0, neg, 1.0, ab, off);
        }
    }

    /**
     * SVQB: replaces rows [first, first+rows) of b by an orthonormal basis of their span (rank r returned, the
     * new rows at [first, first+r)), dropping directions whose Gram eigenvalue is below {@code dropRel} times the
     * largest; applies the same map to {@code ab} when given. Rows are first scaled to unit norm.
     */
    static int svqb(Work w, Buffer b, int first, int rows, Buffer ab, Buffer tmp, double dropRel) {
        int n = w.n;
        long off = (long) first * n;
        double[][] g = w.cross(b, off, rows, b, off, rows);
        double[] d = new double[rows];
        for (int i = 0; i < rows; i++) {
            d[i] = g[i][i] > 0 ? 1 / Math.sqrt(g[i][i]) : 0;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < rows; j++) {
                g[i][j] *= d[i] * d[j];
            }
        }
        Work.Eigh e = w.eigh(g);
        double max = e.values()[rows - 1];
        int r = 0;
        for (int i = 0; i < rows; i++) {
            if (e.values()[i] > dropRel * max && max > 0) {
                r++;
            }
        }
        if (r == 0) {
            return 0;
        }
        double[][] m = new double[rows][r];
        int col = 0;
        for (int j = rows - r; j < rows; j++) {
            double s = 1 / Math.sqrt(e.values()[j]);
            for (int i = 0; i < rows; i++) {
                m[i][col] = d[i] * e.vectors()[i][j] * s;
            }
            col++;
        }
        w.combine(b, off, m, 0.0, tmp, 0);
        w.be.copy(tmp, 0, b, off, (long) r * n);
        if (ab != null) {
            w.combine(ab, off, m, 0.0, tmp, 0);
            w.be.copy(tmp, 0, ab, off, (long) r * n);
        }
        return r;
    }
}
