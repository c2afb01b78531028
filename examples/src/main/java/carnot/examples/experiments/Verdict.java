package carnot.examples.experiments;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One law checked by an experiment: the statistic measured, the value the theory predicts and the band
 * {@code [lo, hi]} the measurement must fall in, stated before the run. A NaN measurement never passes.
 *
 * @param name      short id of the law, e.g. {@code depth2-trajectory}
 * @param statistic what was measured, in words, e.g. {@code max_i max_t |s_i(t) − s_i^theory(t)| / s_i}
 * @param measured  the measured value
 * @param predicted the theory's value
 * @param lo        lower end of the band (may be −∞)
 * @param hi        upper end of the band (may be +∞)
 * @param pass      whether {@code lo ≤ measured ≤ hi}
 */
public record Verdict(String name, String statistic, double measured, double predicted, double lo, double hi,
                      boolean pass) {

    /** The verdict of {@code measured} against the band {@code [lo, hi]}. */
    public static Verdict of(String name, String statistic, double measured, double predicted, double lo, double hi) {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("band of " + name + " must have lo <= hi; given [" + lo + ", " + hi + "]");
        }
        return new Verdict(name, statistic, measured, predicted, lo, hi, measured >= lo && measured <= hi);
    }

    /** A yes/no law (e.g. an ordering): measured and predicted are 1 for true, 0 for false; the band is [1, 1]. */
    public static Verdict holds(String name, String statistic, boolean holds) {
        return of(name, statistic, holds ? 1 : 0, 1, 1, 1);
    }

    /** The JSON object of this verdict in {@code verdict.json}. */
    public Map<String, Object> toMap(String experiment, Preset preset, double seconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", experiment + "/" + name);
        m.put("statistic", statistic);
        m.put("measured", measured);
        m.put("predicted", predicted);
        m.put("band", List.of(lo, hi));
        m.put("pass", pass);
        m.put("preset", preset.label());
        m.put("seconds", seconds);
        return m;
    }

    /** One line: {@code PASS name: statistic = measured (predicted p, band [lo, hi])}. */
    public String line(String experiment) {
        return String.format(Locale.ROOT, "%s %s/%s: %s = %s (predicted %s, band [%s, %s])",
                pass ? "PASS" : "FAIL", experiment, name, statistic, num(measured), num(predicted), num(lo), num(hi));
    }

    /** Six significant digits without trailing zeros; plain notation for magnitudes in [1e-4, 1e6). */
    static String num(double x) {
        if (!Double.isFinite(x)) {
            return Double.isNaN(x) ? "NaN" : x > 0 ? "inf" : "-inf";
        }
        if (x == 0) {
            return "0";
        }
        double a = Math.abs(x);
        if (a < 1e-4 || a >= 1e6) {
            return String.format(Locale.ROOT, "%.5e", x);
        }
        return new java.math.BigDecimal(x).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString();
    }
}
