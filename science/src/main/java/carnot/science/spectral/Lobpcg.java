package carnot.science.spectral;

import carnot.engine.LinearOperator;
import carnot.engine.Tensor;
import carnot.kernels.Buffer;

/**
 * The k largest or smallest eigenpairs by LOBPCG (block method: each iteration applies the operator to k
 * residual vectors in ONE {@link LinearOperator#applyBatch} call, so a batched HVP turns k matrix-vector passes
 * into matrix-matrix work). Rayleigh-Ritz on {@code [X, W, P]} with SVQB orthonormalisation; converged when
 * {@code ||A x_i - theta_i x_i|| <= tol * max|theta|} for all i. Needs {@code 3k <= P}.
 *
 * <p>Warm start: the previous eigenvectors [k', P] become the initial block (missing rows are seeded Gaussian);
 * when they are still eigenvectors the solve ends after k products.
 */
public final class Lobpcg {
    private Lobpcg() {
    }

    /**
     * k pairs at {@code which} (LARGEST or SMALLEST), residual tolerance {@code tol}, at most {@code maxIter}
     * products, {@code seed} for the random part of the start block, {@code warmStart} [k', P] / [P] or null.
     */
    public static Eigen solve(LinearOperator op, int k, Which which, double tol, int maxIter, long seed,
                              Tensor warmStart) {
        long t0 = System.nanoTime();
        Op vop = new Op(op);
        Buffer warm = null;
        int rows = 0;
        try {
            if (warmStart != null) {
                warm = Op.rowsOf(warmStart, vop, "LOBPCG warm start");
                rows = (int) (warmStart.size() / vop.dim());
            }
            return Eigen.of(LobpcgCore.run(vop, k, which, tol, maxIter, seed, warm, rows), vop.dim(), vop.dtype(), t0);
        } finally {
            if (warm != null) {
                vop.backend().free(warm);
            }
        }
    }
}
