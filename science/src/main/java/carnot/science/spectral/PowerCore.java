package carnot.science.spectral;

import carnot.kernels.Buffer;

/**
 * Power iteration for the eigenvalue of largest magnitude: {@code x <- A x / ||A x||}, Rayleigh quotient
 * {@code theta = x^T A x}, stopping when {@code ||A x - theta x|| <= tol * |theta|}. The simple baseline: its
 * convergence rate is {@code |lambda_2 / lambda_1|} per product.
 */
final class PowerCore {
    private PowerCore() {
    }

    static LanczosCore.Raw run(VecOp op, double tol, int maxProducts, long seed, Buffer start) {
        int n = op.dim();
        if (!(tol > 0) || maxProducts < 1) {
            throw new IllegalArgumentException("power iteration needs tol > 0 and maxIter >= 1; given tol=" + tol
                    + ", maxIter=" + maxProducts);
        }
        try (Work w = new Work(op.backend(), op.dtype(), n)) {
            Buffer x = w.rows(1);
            Buffer y = w.rows(1);
            Buffer r = w.rows(1);
            try {
                if (start != null) {
                    w.be.copy(start, 0, r, 0, n);
                } else {
                    w.be.normal(r, n, seed, 0, 0, 1);
                }
                double nrm = w.norm(r, 0);
                if (!(nrm > 0) || !Double.isFinite(nrm)) {
                    throw new IllegalArgumentException("power iteration start vector must be finite and non-zero;"
                            + " its norm is " + nrm);
                }
                w.scaleRow(r, 0, 1 / nrm, x, 0);
                int products = 0;
                while (true) {
                    op.apply(x, 0, y, 0, 1);
                    products++;
                    double theta = w.cross(x, 0, 1, y, 0, 1)[0][0];
                    w.be.copy(y, 0, r, 0, n);
                    w.combine(x, 0, new double[][] {{-theta}}, 1.0, r, 0);
                    double res = w.norm(r, 0);
                    boolean done = res <= tol * Math.abs(theta);
                    double ny = w.norm(y, 0);
                    if (done || products >= maxProducts || !(ny > 0)) {
                        Buffer out = w.rows(1);
                        w.be.copy(x, 0, out, 0, n);
                        return new LanczosCore.Raw(new double[] {theta}, new double[] {res}, new double[] {res}, out,
                                products, products,
                                done || !(ny > 0));
                    }
                    w.scaleRow(y, 0, 1 / ny, x, 0);
                }
            } finally {
                w.be.free(x);
                w.be.free(y);
                w.be.free(r);
            }
        }
    }
}
