package carnot.science.spectral;

import carnot.engine.LinearOperator;
import carnot.engine.Tensor;
import carnot.kernels.Buffer;

/**
 * The eigenvalue of largest magnitude by power iteration, the simple baseline (PyHessian's default): converges
 * like {@code |lambda_2/lambda_1|^t}; stops when {@code ||A x - theta x|| <= tol |theta|}.
 */
public final class PowerIteration {
    private PowerIteration() {
    }

    /** Top eigenpair by magnitude; {@code warmStart} [P] (or [k, P], rows summed) or null for a seeded Gaussian. */
    public static Eigen solve(LinearOperator op, double tol, int maxIter, long seed, Tensor warmStart) {
        long t0 = System.nanoTime();
        Op vop = new Op(op);
        Buffer start = null;
        try {
            if (warmStart != null) {
                Buffer rows = Op.rowsOf(warmStart, vop, "power iteration warm start");
                try {
                    start = Op.sumOfRows(vop.backend(), vop.dtype(), rows, (int) (warmStart.size() / vop.dim()),
                            vop.dim());
                } finally {
                    vop.backend().free(rows);
                }
            }
            return Eigen.of(PowerCore.run(vop, tol, maxIter, seed, start), vop.dim(), vop.dtype(), t0);
        } finally {
            if (start != null) {
                vop.backend().free(start);
            }
        }
    }
}
