package carnot.science.observe;

/**
 * Relative movement from initialization: {@code ‖W − W₀‖ / ‖W₀‖} (Frobenius / Euclidean) for weights, and the same
 * for feature matrices Φ (N x h, a fixed probe set) — the lazy (NTK) regime keeps both O(1/√width) small, the rich
 * (feature-learning) regime moves features by O(1).
 */
public final class Movement {
    private Movement() {
    }

    /** {@code ‖w − w0‖ / ‖w0‖} over flat arrays of equal length; +∞ if w0 = 0 and w ≠ w0. */
    public static double relative(double[] w, double[] w0) {
        if (w.length != w0.length) {
            throw new IllegalArgumentException("movement needs equal lengths; given " + w.length + " and " + w0.length);
        }
        double diff = 0;
        double base = 0;
        for (int i = 0; i < w.length; i++) {
            double d = w[i] - w0[i];
            diff += d * d;
            base += w0[i] * w0[i];
        }
        return ratio(diff, base);
    }

    /** {@code √(diff/base)} from the squared norms ‖w − w0‖² and ‖w0‖²; +∞ if base = 0 and diff ≠ 0. */
    public static double ratio(double diff, double base) {
        if (base == 0) {
            return diff == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.sqrt(diff / base);
    }

    /** Relative feature movement {@code ‖Φ − Φ₀‖_F / ‖Φ₀‖_F}. */
    public static double features(Matrix phi, Matrix phi0) {
        return relative(phi.data(), phi0.data());
    }
}
