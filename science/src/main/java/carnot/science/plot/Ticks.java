package carnot.science.plot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Axis tick positions and labels for {@link LinePlot}.
 *
 * <p>Linear ticks are "nice" numbers {@code k * step} with {@code step = m * 10^e}, {@code m} in {1, 2, 5}, chosen
 * so that about {@code target} ticks fall inside {@code [lo, hi]}. Log ticks are the powers of ten inside the range
 * (thinned to every d-th decade when there are many); when the range spans less than one decade, linear ticks are
 * used instead so the axis is never unlabeled.
 */
public final class Ticks {
    private Ticks() {
    }

    /** The step {@code m * 10^e}, m in {1, 2, 5}, closest above {@code (hi - lo) / target}. Requires hi &gt; lo. */
    public static double niceStep(double lo, double hi, int target) {
        if (!(hi > lo) || target < 1) {
            throw new IllegalArgumentException("niceStep needs hi > lo and target >= 1; given lo=" + lo + ", hi=" + hi
                    + ", target=" + target);
        }
        double raw = (hi - lo) / target;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / mag;
        double nice = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10;
        return nice * mag;
    }

    /** Ticks {@code k * step} inside {@code [lo, hi]} (inclusive up to a relative 1e-9 of the range). */
    public static double[] linear(double lo, double hi, int target) {
        double step = niceStep(lo, hi, target);
        double slack = 1e-9 * (hi - lo);
        long first = (long) Math.ceil((lo - slack) / step);
        long last = (long) Math.floor((hi + slack) / step);
        List<Double> out = new ArrayList<>();
        for (long k = first; k <= last; k++) {
            double t = k * step;
            out.add(Math.abs(t) < step * 1e-12 ? 0.0 : t);
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * Ticks for a log axis over {@code [lo, hi]}, both &gt; 0: powers of ten inside the range, every
     * {@code ceil(decades / 8)}-th one; ranges narrower than a decade fall back to {@link #linear}.
     */
    public static double[] log(double lo, double hi) {
        if (!(lo > 0) || !(hi > lo)) {
            throw new IllegalArgumentException("log ticks need 0 < lo < hi; given lo=" + lo + ", hi=" + hi);
        }
        int e0 = (int) Math.ceil(Math.log10(lo) - 1e-9);
        int e1 = (int) Math.floor(Math.log10(hi) + 1e-9);
        if (e1 < e0) {
            return linear(lo, hi, 4);
        }
        int every = Math.max(1, (int) Math.ceil((e1 - e0 + 1) / 8.0));
        List<Double> out = new ArrayList<>();
        for (int e = e0; e <= e1; e += every) {
            out.add(Math.pow(10, e));
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** A short label: plain decimals for moderate magnitudes, {@code 1e-05}-style otherwise. */
    public static String format(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e5) {
            String s = String.format(Locale.ROOT, "%.4f", v);
            s = s.replaceAll("0+$", "");
            return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        }
        String s = String.format(Locale.ROOT, "%.2e", v);
        String[] parts = s.split("e");
        String mant = parts[0].replaceAll("0+$", "");
        mant = mant.endsWith(".") ? mant.substring(0, mant.length() - 1) : mant;
        int exp = Integer.parseInt(parts[1]);
        return mant + "e" + (exp < 0 ? "-" : "+") + String.format(Locale.ROOT, "%02d", Math.abs(exp));
    }
}
