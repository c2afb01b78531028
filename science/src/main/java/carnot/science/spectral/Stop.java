package carnot.science.spectral;

/**
 * When an iterative eigensolver stops, and the eigenvalue error bound it reports.
 *
 * <p>For a Ritz pair {@code (theta_i, x_i)}, |x_i| = 1, with residual {@code r_i = ||A x_i - theta_i x_i||}, some
 * eigenvalue lies within {@code r_i} of {@code theta_i}; when the rest of the spectrum is at least {@code delta_i}
 * away from {@code theta_i}, the Kato–Temple / Rayleigh–Ritz bound sharpens this to
 * {@code |lambda_i - theta_i| <= r_i^2 / delta_i}. The gap is estimated from the other Ritz values
 * {@code theta_j} and their residuals {@code r_j}:
 * <pre>
 *   delta_i = min_{j != i} (|theta_i - theta_j| - r_j)
 *   bound_i = min(r_i, r_i^2 / delta_i)     if delta_i &gt; r_i,   else r_i
 * </pre>
 * (each {@code theta_j} has an eigenvalue within {@code r_j}; subtracting it makes the gap estimate conservative).
 * The bound is on the distance from {@code theta_i} to its nearest eigenvalue; it can be optimistic only when an
 * eigenvalue near {@code theta_i} has not been seen by the Krylov space at all. Under either rule a loose tolerance
 * can stop before the Krylov space has seen the wanted (e.g. largest) eigenvalue when the start vector is nearly
 * orthogonal to it; the eigenvalue rule stops sooner, so that is likelier at tolerances looser than about 1e-3.
 * Measured (LanczosStopTest's spectrum 10, 9.2, 8.5, 6 and a bulk in [-1, 2], n = 300): at tol 1e-3 and tighter the
 * bound covered the true error in every case tried; at tol 3e-3 one start vector stopped at theta = 9.967 (r = 0.188)
 * with 9.2 not yet seen (the next Ritz value was 8.533), a gap estimate of 1.25 against a true 0.77, and a bound of
 * 0.028 against a true error of 0.033; and with k = 2 at tol 1e-3 one start vector of six returned 9.9993 and 8.502
 * (r = 0.094) with 9.2 unseen, where the residual rule (r at most 0.01) keeps going. Prefer it for the top
 * eigenvalue (k = 1) of a separated spectrum, where every case tried at tol 1e-3 and tighter was within tol; use the
 * residual rule otherwise. On the benchmark MLP Hessian of bench/README.md (top pair about 0.035 apart) it stopped
 * after 9 products 2.4e-3 off at tol 1e-3, with a bound of 0.0020 against a true error of 0.031: the gap was not
 * yet resolved by the Krylov space. The residual rule is the default for that reason.
 */
public enum Stop {
    /** Stop when every wanted pair has {@code r_i <= tol * max|theta|} (eigenvector and eigenvalue converged). */
    RESIDUAL,
    /**
     * Stop when every wanted pair has {@code bound_i <= tol * max|theta|} (the eigenvalue converged; its vector
     * may still have a residual up to about {@code sqrt(tol * max|theta| * delta_i)}).
     */
    EIGENVALUE;

    /** Parses "residual" or "eigenvalue" (any case). */
    public static Stop parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "residual" -> RESIDUAL;
            case "eigenvalue" -> EIGENVALUE;
            default -> throw new IllegalArgumentException("stop rule must be residual or eigenvalue; given '" + s + "'");
        };
    }

    /** The quantity this rule compares with {@code tol * max|theta|}: the residual or the eigenvalue bound. */
    double measure(double residual, double bound) {
        return this == RESIDUAL ? residual : bound;
    }

    /**
     * The eigenvalue error bound {@code bound_i} of the class doc for Ritz value {@code theta[i]}, given every Ritz
     * value {@code theta} and its residual {@code res}.
     */
    static double errorBound(double[] theta, double[] res, int i) {
        double ri = res[i];
        double gap = Double.POSITIVE_INFINITY;
        for (int j = 0; j < theta.length; j++) {
            if (j != i) {
                gap = Math.min(gap, Math.abs(theta[i] - theta[j]) - res[j]);
            }
        }
        if (!(gap > ri) || gap == Double.POSITIVE_INFINITY) {
            return ri;                       // no other Ritz value (or none clear of its own residual): no gap known
        }
        return Math.min(ri, ri * ri / gap);
    }
}
