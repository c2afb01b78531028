package carnot.examples.experiments;

/**
 * Mode-strength dynamics of a deep linear network under gradient flow on whitened inputs (Saxe, McClelland and
 * Ganguli 2014, ICLR), with the engine's loss L = (1/N) Σₙ ½‖W_L⋯W_1 xₙ − yₙ‖² and ΣXX = XᵀX/N = I:
 * then L = ½‖W − M‖²_F + const with M = YᵀX/N = Σ sᵢ uᵢvᵢᵀ, the gradient of the end-to-end map is W − M, and the
 * time constant is τ = 1 (flow time t; for GD with step η, t = η·steps). From a decoupled balanced init (every
 * layer carries mode i with the same strength a, so the mode strength is uᵢ = aᴸ) each mode evolves alone:
 * <pre>
 *   du/dt = L · u^{2 − 2/L} · (s − u)
 * </pre>
 * For L = 2 this is du/dt = 2u(s − u), solved by the sigmoid
 * {@code u(t) = s e^{2st} / (e^{2st} − 1 + s/u₀)}, which reaches s/2 at {@code t½ = ln(s/u₀ − 1) / (2s)}.
 * For L ≥ 3 the time to reach s/2 is {@code t½ = ∫_{u₀}^{s/2} du / (L u^{2−2/L} (s − u))}, whose leading term for
 * u₀ → 0 is {@code u₀^{−(1−2/L)} / ((L − 2) s)}: learning time ∝ 1/s, modes learned in order of strength.
 */
public final class SaxeTheory {
    private SaxeTheory() {
    }

    /** Depth 2: {@code u(t) = s e^{2st} / (e^{2st} − 1 + s/u₀)} (computed stably for large st). */
    public static double depth2(double s, double u0, double t) {
        // divide numerator and denominator by e^{2st}
        double e = Math.exp(-2 * s * t);
        return s / (1 - e + (s / u0) * e);
    }

    /** The right-hand side {@code L u^{2−2/L} (s − u)} of the mode equation. */
    public static double rate(int depth, double s, double u) {
        return depth * Math.pow(u, 2 - 2.0 / depth) * (s - u);
    }

    /**
     * The mode strength at each time of {@code times} (ascending, from 0) by RK4 on the mode equation with at most
     * {@code dt} per step; for depth 2 it agrees with {@link #depth2} to the integrator's accuracy.
     */
    public static double[] trajectory(int depth, double s, double u0, double[] times, double dt) {
        double[] out = new double[times.length];
        double u = u0;
        double t = 0;
        for (int k = 0; k < times.length; k++) {
            while (t < times[k]) {
                double h = Math.min(dt, times[k] - t);
                double k1 = rate(depth, s, u);
                double k2 = rate(depth, s, u + h / 2 * k1);
                double k3 = rate(depth, s, u + h / 2 * k2);
                double k4 = rate(depth, s, u + h * k3);
                u += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
                t += h;
            }
            out[k] = u;
        }
        return out;
    }

    /**
     * The time to reach s/2 from u₀ &lt; s/2: {@code ∫_{u₀}^{s/2} du / (L u^{2−2/L} (s − u))}, by Simpson's rule in
     * x = ln u (the integrand u / (L u^{2−2/L}(s − u)) is smooth in x).
     */
    public static double halfTime(int depth, double s, double u0) {
        if (!(u0 > 0 && u0 < s / 2)) {
            throw new IllegalArgumentException("half time needs 0 < u0 < s/2; given u0=" + u0 + ", s=" + s);
        }
        int n = 20_000;
        double a = Math.log(u0);
        double b = Math.log(s / 2);
        double h = (b - a) / n;
        double sum = 0;
        for (int i = 0; i <= n; i++) {
            double u = Math.exp(a + i * h);
            double f = u / rate(depth, s, u);
            sum += (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2) * f;
        }
        return sum * h / 3;
    }

    /** Leading order of {@link #halfTime} for L ≥ 3 and u₀ → 0: {@code u₀^{−(1−2/L)} / ((L − 2) s)}. */
    public static double halfTimeLeading(int depth, double s, double u0) {
        if (depth < 3) {
            throw new IllegalArgumentException("the 1/s learning-time law needs depth >= 3; given " + depth);
        }
        return Math.pow(u0, -(1 - 2.0 / depth)) / ((depth - 2) * s);
    }

    /**
     * The first time the samples {@code u} (at ascending {@code times}) reach {@code level}, linearly interpolated
     * between the two measurements around the crossing; NaN when never reached.
     */
    public static double crossing(double[] times, double[] u, double level) {
        for (int k = 0; k < u.length; k++) {
            if (u[k] >= level) {
                if (k == 0) {
                    return times[0];
                }
                double f = (level - u[k - 1]) / (u[k] - u[k - 1]);
                return times[k - 1] + f * (times[k] - times[k - 1]);
            }
        }
        return Double.NaN;
    }
}
