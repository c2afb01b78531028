package carnot.examples.experiments;

/**
 * Least-squares line fits used by the experiments to measure exponents and rates.
 * {@link #linear} fits y ≈ a + b·x by ordinary least squares; {@link #loglog} fits log y ≈ a + b·log x
 * (natural logarithms), so its slope is the power-law exponent of y ∝ x^b.
 * R² = 1 − Σ(yᵢ − ŷᵢ)² / Σ(yᵢ − ȳ)² in the fitted coordinates.
 */
public final class Fits {
    private Fits() {
    }

    /**
     * A fitted line y ≈ intercept + slope·x with its coefficient of determination.
     *
     * @param slope     b
     * @param intercept a
     * @param r2        1 − SS_res / SS_tot (1 when the points lie on the line; NaN when all yᵢ are equal)
     * @param n         number of points
     */
    public record Fit(double slope, double intercept, double r2, int n) {
        /** The fitted value a + b·x (in the fitted coordinates). */
        public double at(double x) {
            return intercept + slope * x;
        }

        /** For a log–log fit: the power law e^a·x^b at x (in the original coordinates). */
        public double powerAt(double x) {
            return Math.exp(intercept) * Math.pow(x, slope);
        }
    }

    /** Ordinary least squares y ≈ a + b·x; needs at least two points with distinct x. */
    public static Fit linear(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x and y must have the same length; given " + x.length + " and " + y.length);
        }
        int n = x.length;
        if (n < 2) {
            throw new IllegalArgumentException("a line fit needs at least 2 points; given " + n);
        }
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxx = 0;
        double sxy = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx;
            double dy = y[i] - my;
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }
        if (!(sxx > 0)) {
            throw new IllegalArgumentException("a line fit needs at least two distinct x values; given all x = " + x[0]);
        }
        double b = sxy / sxx;
        double a = my - b * mx;
        double ssRes = 0;
        for (int i = 0; i < n; i++) {
            double r = y[i] - (a + b * x[i]);
            ssRes += r * r;
        }
        double r2 = syy > 0 ? 1 - ssRes / syy : Double.NaN;
        return new Fit(b, a, r2, n);
    }

    /** Least squares log y ≈ a + b·log x (natural log); every x and y must be positive and finite. */
    public static Fit loglog(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x and y must have the same length; given " + x.length + " and " + y.length);
        }
        double[] lx = new double[x.length];
        double[] ly = new double[y.length];
        for (int i = 0; i < x.length; i++) {
            if (!(x[i] > 0) || !(y[i] > 0) || Double.isInfinite(x[i]) || Double.isInfinite(y[i])) {
                throw new IllegalArgumentException("a log-log fit needs positive finite points; given (" + x[i] + ", "
                        + y[i] + ") at index " + i);
            }
            lx[i] = Math.log(x[i]);
            ly[i] = Math.log(y[i]);
        }
        return linear(lx, ly);
    }
}
