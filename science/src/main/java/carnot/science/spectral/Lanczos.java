package carnot.science.spectral;

import carnot.engine.LinearOperator;
import carnot.engine.Tensor;
import carnot.kernels.Buffer;

/**
 * Extreme eigenpairs of a symmetric {@link LinearOperator} (a Hessian, Gauss-Newton matrix or a block of either)
 * by thick-restart Lanczos with full reorthogonalisation.
 *
 * <p>Each product {@code w = A q_j} is orthogonalised against the whole basis {@code Q} with two GEMMs per pass
 * ({@code h = Q w}, {@code w -= Q^T h}, two passes). The Ritz pairs {@code (theta_i, Q s_i)} of
 * {@code T = Q^T A Q} have residual {@code ||A x - theta x|| = beta |s_i[last]|}; the solve stops when every wanted
 * pair has residual at most {@code tol * max|theta|} (so the eigenvalue error is at most that, and typically
 * {@code residual^2 / gap}), or after {@code maxIter} products. With {@link Stop#EIGENVALUE} it stops instead when
 * every wanted eigenvalue's error bound {@code min(r, r^2 / gap)} (gap estimated from the other Ritz values, see
 * {@link Stop}) is at most {@code tol * max|theta|}: the eigenvalue to the same accuracy in fewer products. When the basis of {@code basis} vectors is full
 * it restarts keeping the best Ritz vectors.
 *
 * <p>Warm start: pass the eigenvectors of a previous solve ([k, P] or [P]); the start vector is their sum, so
 * tracking the top eigenvalue during training costs a few products per step instead of a cold solve:
 * <pre>{@code
 * Eigen e = Lanczos.topK(hessian, 1, 1e-4, 100, null);
 * ... take a step ...
 * e = Lanczos.topK(hessianAtNewWeights, 1, 1e-4, 100, e.vectors());   // sharpness = e.values()[0]
 * }</pre>
 * Results depend only on the operator, the options and the seed (not on timing).
 */
public final class Lanczos {
    private Lanczos() {
    }

    /**
     * Options: {@code k} wanted pairs, {@code which} end, residual tolerance {@code tol} (relative to the largest
     * |Ritz value|), {@code maxIter} products at most, {@code basis} vectors kept before a restart (memory =
     * (basis + 2) P values), {@code seed} of the Gaussian start vector (used when there is no warm start),
     * {@code warmStart} previous eigenvectors [k', P] or [P] (or null), {@code stop} the stopping rule.
     */
    public record Options(int k, Which which, double tol, int maxIter, int basis, long seed, Tensor warmStart,
                          Stop stop) {
        public Options {
            if (stop == null) {
                throw new IllegalArgumentException("Lanczos stop rule is required (residual or eigenvalue); given null");
            }
            if (k < 1) {
                throw new IllegalArgumentException("Lanczos k must be >= 1; given " + k);
            }
            if (which == null) {
                throw new IllegalArgumentException("Lanczos which is required; given null");
            }
            if (!(tol > 0) || maxIter < 1 || basis < 2) {
                throw new IllegalArgumentException("Lanczos needs tol > 0, maxIter >= 1, basis >= 2; given tol=" + tol
                        + ", maxIter=" + maxIter + ", basis=" + basis);
            }
        }

        /** k pairs at {@code which}, tol 1e-6, maxIter 1000, basis max(20, 3k), seed 0, no warm start, residual rule. */
        public static Options of(int k, Which which) {
            return new Options(k, which, 1e-6, 1000, Math.max(20, 3 * k), 0, null, Stop.RESIDUAL);
        }

        public Options withTol(double t) {
            return new Options(k, which, t, maxIter, basis, seed, warmStart, stop);
        }

        public Options withMaxIter(int m) {
            return new Options(k, which, tol, m, basis, seed, warmStart, stop);
        }

        public Options withBasis(int b) {
            return new Options(k, which, tol, maxIter, b, seed, warmStart, stop);
        }

        public Options withSeed(long s) {
            return new Options(k, which, tol, maxIter, basis, s, warmStart, stop);
        }

        public Options withWarmStart(Tensor w) {
            return new Options(k, which, tol, maxIter, basis, seed, w, stop);
        }

        public Options withStop(Stop s) {
            return new Options(k, which, tol, maxIter, basis, seed, warmStart, s);
        }
    }

    /** The k algebraically largest eigenpairs (values descending); {@code warmStart} may be null. */
    public static Eigen topK(LinearOperator op, int k, double tol, int maxIter, Tensor warmStart) {
        return solve(op, Options.of(k, Which.LARGEST).withTol(tol).withMaxIter(maxIter).withWarmStart(warmStart));
    }

    /** The k algebraically smallest eigenpairs (values ascending); {@code warmStart} may be null. */
    public static Eigen bottomK(LinearOperator op, int k, double tol, int maxIter, Tensor warmStart) {
        return solve(op, Options.of(k, Which.SMALLEST).withTol(tol).withMaxIter(maxIter).withWarmStart(warmStart));
    }

    /** Runs Lanczos with the given options. */
    public static Eigen solve(LinearOperator op, Options o) {
        long t0 = System.nanoTime();
        Op vop = new Op(op);
        int n = vop.dim();
        Buffer start = null;
        try {
            if (o.warmStart() != null) {
                Buffer rows = Op.rowsOf(o.warmStart(), vop, "Lanczos warm start");
                int k = (int) (o.warmStart().size() / n);
                try {
                    start = Op.sumOfRows(vop.backend(), vop.dtype(), rows, k, n);
                } finally {
                    vop.backend().free(rows);
                }
            }
            LanczosCore.Raw raw = LanczosCore.run(vop, o.k(), o.which(), o.stop(), o.tol(), o.maxIter(), o.basis(),
                    o.seed(), start);
            return Eigen.of(raw, n, vop.dtype(), t0);
        } finally {
            if (start != null) {
                vop.backend().free(start);
            }
        }
    }
}
