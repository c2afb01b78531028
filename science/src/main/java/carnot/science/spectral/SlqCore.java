package carnot.science.spectral;

import carnot.kernels.Buffer;

/**
 * Stochastic Lanczos quadrature nodes and weights (Golub and Meurant; Ghorbani, Krishnan, Xiao 2019): for each of
 * {@code probes} normalised Rademacher vectors v, {@code steps} Lanczos steps with full reorthogonalisation give
 * {@code T = Q^T A Q}; with {@code T = S diag(theta) S^T}, the Gauss quadrature
 * {@code v^T f(A) v ~ sum_j tau_j f(theta_j)}, {@code tau_j = S[0][j]^2}, is exact for polynomials of degree
 * {@code < 2 steps}. Probes run side by side: each step applies the operator to all active probes in one batched
 * call. A probe whose Krylov space becomes invariant stops early (exact quadrature).
 */
final class SlqCore {
    private SlqCore() {
    }

    /** Per probe: Ritz values (nodes) and squared first components (weights, summing to 1); products used. */
    record Raw(double[][] nodes, double[][] weights, int products) {
    }

    static Raw run(VecOp op, int probes, int steps, int batch, long seed) {
        int n = op.dim();
        if (probes < 1 || steps < 1 || batch < 1) {
            throw new IllegalArgumentException("SLQ needs probes, steps and batch >= 1; given probes=" + probes
                    + ", steps=" + steps + ", batch=" + batch);
        }
        int m = Math.min(steps, n);
        double[][] nodes = new double[probes][];
        double[][] weights = new double[probes][];
        int products = 0;
        try (Work w = new Work(op.backend(), op.dtype(), n)) {
            int b = Math.min(batch, probes);
            Buffer q = w.rows(b * m);
            Buffer x = w.rows(b);
            Buffer y = w.rows(b);
            try {
                for (int first = 0; first < probes; first += b) {
                    int cnt = Math.min(b, probes - first);
                    products += runGroup(op, w, q, x, y, first, cnt, m, seed, nodes, weights);
                }
            } finally {
                w.be.free(q);
                w.be.free(x);
                w.be.free(y);
            }
        }
        return new Raw(nodes, weights, products);
    }

    private static int runGroup(VecOp op, Work w, Buffer q, Buffer x, Buffer y, int first, int cnt, int m,
                                long seed, double[][] nodes, double[][] weights) {
        int n = w.n;
        long probeStride = (long) m * n;
        TraceCore.rademacher(x, n, seed, first, cnt);
        double inv = 1 / Math.sqrt(n);
        for (int p = 0; p < cnt; p++) {
            w.scaleRow(x, (long) p * n, inv, q, p * probeStride);
        }
        double[][][] t = new double[cnt][m][m];
        int[] size = new int[cnt];
        boolean[] active = new boolean[cnt];
        java.util.Arrays.fill(active, true);
        int products = 0;
        double[] normEst = new double[cnt];
        for (int j = 0; j < m; j++) {
            int[] act = new int[cnt];
            int na = 0;
            for (int p = 0; p < cnt; p++) {
                if (active[p]) {
                    w.be.copy(q, p * probeStride + (long) j * n, x, (long) na * n, n);
                    act[na++] = p;
                }
            }
            if (na == 0) {
                break;
            }
            op.apply(x, 0, y, 0, na);
            products += na;
            for (int a = 0; a < na; a++) {
                int p = act[a];
                double[][] h = orthoProbe(w, q, p * probeStride, j + 1, y, (long) a * n);
                for (int i = 0; i <= j; i++) {
                    t[p][i][j] = h[i][0];
                    t[p][j][i] = h[i][0];
                    normEst[p] = Math.max(normEst[p], Math.abs(h[i][0]));
                }
                size[p] = j + 1;
                double beta = w.norm(y, (long) a * n);
                if (j + 1 == m || beta <= 1e-10 * normEst[p]) {
                    active[p] = false;
                } else {
                    w.scaleRow(y, (long) a * n, 1 / beta, q, p * probeStride + (long) (j + 1) * n);
                }
            }
        }
        for (int p = 0; p < cnt; p++) {
            int s = size[p];
            double[][] tp = new double[s][s];
            for (int i = 0; i < s; i++) {
                System.arraycopy(t[p][i], 0, tp[i], 0, s);
            }
            Work.Eigh e = w.eigh(tp);
            nodes[first + p] = e.values();
            double[] wt = new double[s];
            for (int i = 0; i < s; i++) {
                wt[i] = e.vectors()[0][i] * e.vectors()[0][i];
            }
            weights[first + p] = wt;
        }
        return products;
    }

    /** CGS2 of the row of y at {@code yOff} against {@code rows} basis rows of one probe starting at {@code qOff}. */
    private static double[][] orthoProbe(Work w, Buffer q, long qOff, int rows, Buffer y, long yOff) {
        double[][] total = new double[rows][1];
        for (int pass = 0; pass < 2; pass++) {
            double[][] h = w.cross(q, qOff, rows, y, yOff, 1);
            double[][] neg = new double[rows][1];
            for (int i = 0; i < rows; i++) {
                neg[i][0] = -h[i][0];
                total[i][0] += h[i][0];
            }
            w.combine(q, qOff, neg, 1.0, y, yOff);
        }
        return total;
    }
}
