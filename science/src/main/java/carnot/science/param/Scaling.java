package carnot.science.param;

/**
 * A factor {@code coef · (n/n₀)^widthExp · (L/L₀)^depthExp} of width ratio n/n₀ and depth ratio L/L₀ relative to a
 * base model. Every entry of a parameterization table is one of these, so at the base shape (both ratios 1) it
 * is just {@code coef}.
 */
public record Scaling(double coef, double widthExp, double depthExp) {

    public static final Scaling ONE = new Scaling(1, 0, 0);

    public Scaling {
        if (!Double.isFinite(coef) || !Double.isFinite(widthExp) || !Double.isFinite(depthExp)) {
            throw new IllegalArgumentException("scaling needs finite coefficient and exponents; given "
                    + coef + ", " + widthExp + ", " + depthExp);
        }
    }

    /** {@code 1 · (n/n₀)^e}. */
    public static Scaling width(double e) {
        return new Scaling(1, e, 0);
    }

    /** {@code 1 · (L/L₀)^e}. */
    public static Scaling depth(double e) {
        return new Scaling(1, 0, e);
    }

    /** The value at width ratio m and depth ratio r. */
    public double at(double m, double r) {
        return coef * Math.pow(m, widthExp) * Math.pow(r, depthExp);
    }

    /** E.g. "1·m^-0.5" or "1". */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(fmt(coef));
        if (widthExp != 0) {
            s.append("·m^").append(fmt(widthExp));
        }
        if (depthExp != 0) {
            s.append("·L^").append(fmt(depthExp));
        }
        return s.toString();
    }

    static String fmt(double x) {
        return x == Math.rint(x) && Math.abs(x) < 1e9 ? Long.toString((long) x) : Double.toString(x);
    }
}
