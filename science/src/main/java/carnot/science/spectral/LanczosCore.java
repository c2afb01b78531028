package carnot.science.spectral;

import carnot.kernels.Buffer;

/**
 * Thick-restart Lanczos (Wu and Simon 2000) with full reorthogonalisation, on row buffers through {@link Work}.
 *
 * <p>Reorthogonalisation: {@link Work#orthogonalizeLanczos} (local step, one full CGS pass, a second only
 * when DGKS asks for it). The basis {@code Q} (rows q_0..q_m) satisfies {@code A Q_j = Q_j T_j + beta_j q_{j+1} e_j^T}; the projected
 * matrix {@code T_j = Q_j^T A Q_j} is taken directly from the CGS2 coefficients (tridiagonal in exact arithmetic,
 * arrowhead after a restart). Ritz pairs {@code (theta_i, Q s_i)} have residual norm
 * {@code ||A Q s_i - theta_i Q s_i|| = beta_j |s_i[j]|}; a pair is converged when that ({@link Stop#RESIDUAL}) or its
 * eigenvalue error bound {@code min(r_i, r_i^2 / gap_i)} ({@link Stop#EIGENVALUE}, gap from the other Ritz values)
 * is at most {@code tol * max_i |theta_i|}. When the basis is full, the {@code keep} best Ritz vectors and {@code q_{m}} seed
 * the next cycle. Every product is counted.
 */
final class LanczosCore {
    private LanczosCore() {
    }

    /**
     * What a solver core returns: values ordered most-wanted first, residual norms, vectors as rows (caller
     * frees), operator products used, cycles (restarts for Lanczos, iterations for LOBPCG and power iteration).
     */
    record Raw(double[] values, double[] residuals, double[] errorBounds, Buffer vectors, int products, int cycles,
               boolean converged) {
    }

    /**
     * Runs Lanczos. {@code start} is a buffer whose first row (length n) is the start vector (need not be
     * normalised; null = seeded Gaussian). {@code maxProducts} bounds the operator applications.
     */
    static Raw run(VecOp op, int k, Which which, double tol, int maxProducts, int basis, long seed, Buffer start) {
        return run(op, k, which, Stop.RESIDUAL, tol, maxProducts, basis, seed, start);
    }

    /** Runs Lanczos with stopping rule {@code stop} (see {@link Stop}). */
    static Raw run(VecOp op, int k, Which which, Stop stop, double tol, int maxProducts, int basis, long seed,
                   Buffer start) {
        int n = op.dim();
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("Lanczos needs 1 <= k <= dim; given k=" + k + ", dim=" + n);
        }
        if (!(tol > 0)) {
            throw new IllegalArgumentException("Lanczos needs tol > 0; given " + tol);
        }
        if (maxProducts < 1) {
            throw new IllegalArgumentException("Lanczos needs maxIter >= 1; given " + maxProducts);
        }
        int m = Math.min(n, Math.max(basis, k + 2));
        try (Work w = new Work(op.backend(), op.dtype(), n)) {
            Buffer q = w.rows(m + 1);
            Buffer r = w.rows(1);
            try {
                return iterate(op, w, q, r, k, which, stop, tol, maxProducts, m, seed, start);
            } finally {
                w.be.free(q);
                w.be.free(r);
            }
        }
    }

    private static Raw iterate(VecOp op, Work w, Buffer q, Buffer r, int k, Which which, Stop stop, double tol,
                               int maxProducts, int m, long seed, Buffer start) {
        int n = w.n;
        long rng = seed;
        if (start != null) {
            w.be.copy(start, 0, r, 0, n);
        } else {
            w.be.normal(r, n, rng, 0, 0, 1);
        }
        double nrm = w.norm(r, 0);
        if (!(nrm > 0) || !Double.isFinite(nrm)) {
            throw new IllegalArgumentException("Lanczos start vector must be finite and non-zero; its norm is " + nrm);
        }
        w.scaleRow(r, 0, 1 / nrm, q, 0);
        double[][] t = new double[m][m];
        int products = 0;
        int restarts = 0;
        int j = 0;
        double normEst = 0;
        while (true) {
            op.apply(q, (long) j * n, r, 0, 1);
            products++;
            double[] h = w.orthogonalizeLanczos(q, j + 1, r);
            for (int i = 0; i <= j; i++) {
                t[i][j] = h[i];
                t[j][i] = h[i];
            }
            double beta = w.norm(r, 0);
            int size = j + 1;
            double[][] tj = new double[size][size];
            for (int i = 0; i < size; i++) {
                System.arraycopy(t[i], 0, tj[i], 0, size);
            }
            Work.Eigh last = w.eigh(tj);
            for (double v : last.values()) {
                normEst = Math.max(normEst, Math.abs(v));
            }
            int want = Math.min(k, size);
            int[] sel = which.select(last.values(), want);
            double[] res = residuals(last, beta, j);
            boolean done = want == k;
            for (int s : sel) {
                done &= stop.measure(res[s], Stop.errorBound(last.values(), res, s)) <= tol * normEst;
            }
            boolean exhausted = products >= maxProducts;
            if (done || exhausted || (size == n && want == k)) {
                return finish(w, q, last, beta, j, which, k, products, restarts, done || size == n);
            }
            if (beta <= 1e-12 * Math.max(normEst, Double.MIN_NORMAL) || !Double.isFinite(beta)) {
                beta = freshDirection(w, q, j + 1, r, ++rng);
            }
            if (j + 1 < m) {
                w.scaleRow(r, 0, 1 / beta, q, (long) (j + 1) * n);
                j++;
                continue;
            }
            int keep = Math.min(m - 1, Math.max(k + 1, (m + k) / 2));
            int[] kept = which.select(last.values(), keep);
            double[][] c = new double[m][keep];
            for (int i = 0; i < m; i++) {
                for (int s = 0; s < keep; s++) {
                    c[i][s] = last.vectors()[i][kept[s]];
                }
            }
            Buffer y = w.rows(keep);
            try {
                w.combine(q, 0, c, 0.0, y, 0);
                w.be.copy(y, 0, q, 0, (long) keep * n);
            } finally {
                w.be.free(y);
            }
            w.scaleRow(r, 0, 1 / beta, q, (long) keep * n);
            t = new double[m][m];
            for (int s = 0; s < keep; s++) {
                t[s][s] = last.values()[kept[s]];
            }
            j = keep;
            restarts++;
        }
    }

    /** Residual norms {@code beta |s_i[j]|} of every Ritz pair of {@code e} (basis of j + 1 rows). */
    private static double[] residuals(Work.Eigh e, double beta, int j) {
        double[] res = new double[e.values().length];
        for (int i = 0; i < res.length; i++) {
            res[i] = beta * Math.abs(e.vectors()[j][i]);
        }
        return res;
    }

    /** A seeded random unit direction orthogonal to the first {@code rows} basis rows, left in {@code r}. */
    private static double freshDirection(Work w, Buffer q, int rows, Buffer r, long seed) {
        w.be.normal(r, w.n, seed, 0, 0, 1);
        w.orthogonalize(q, rows, r, 0, 1);
        double nrm = w.norm(r, 0);
        if (!(nrm > 0)) {
            throw new IllegalStateException("Lanczos could not extend a basis of " + rows + " vectors in dimension "
                    + w.n);
        }
        return nrm;
    }

    private static Raw finish(Work w, Buffer q, Work.Eigh e, double beta, int j, Which which, int k, int products,
                              int restarts, boolean converged) {
        int size = j + 1;
        int[] sel = which.select(e.values(), Math.min(k, size));
        double[] all = residuals(e, beta, j);
        double[] vals = new double[sel.length];
        double[] res = new double[sel.length];
        double[] bounds = new double[sel.length];
        double[][] c = new double[size][sel.length];
        for (int s = 0; s < sel.length; s++) {
            vals[s] = e.values()[sel[s]];
            res[s] = all[sel[s]];
            bounds[s] = Stop.errorBound(e.values(), all, sel[s]);
            for (int i = 0; i < size; i++) {
                c[i][s] = e.vectors()[i][sel[s]];
            }
        }
        Buffer x = w.rows(sel.length);
        w.combine(q, 0, c, 0.0, x, 0);
        return new Raw(vals, res, bounds, x, products, restarts, converged);
    }
}
