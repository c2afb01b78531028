package carnot.engine.optim;

import java.util.Map;

/** Argument checks shared by the optimizers. */
final class Checks {
    private Checks() {
    }

    static void sameLength(double[] w, double[] g, double[] lrMult) {
        if (w.length != g.length || (lrMult != null && lrMult.length != w.length)) {
            throw new IllegalArgumentException("optimizer step needs weights, gradient (and lr multipliers) of equal length; given "
                    + w.length + ", " + g.length + (lrMult == null ? "" : ", " + lrMult.length));
        }
    }

    static double[] get(Map<String, double[]> s, String key, int length) {
        double[] a = s.get(key);
        if (a == null || a.length != length) {
            throw new IllegalArgumentException("optimizer state '" + key + "' must have " + length + " values; given "
                    + (a == null ? "none" : a.length) + " (keys present: " + s.keySet() + ")");
        }
        return a;
    }
}
