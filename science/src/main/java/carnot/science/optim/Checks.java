package carnot.science.optim;

import carnot.engine.ParamVector;
import java.util.Map;

/** Argument checks and state transfer shared by the optimizers. */
final class Checks {
    private Checks() {
    }

    static double[] get(Map<String, double[]> s, String key, long length) {
        double[] a = s.get(key);
        if (a == null || a.length != length) {
            throw new IllegalArgumentException("optimizer state '" + key + "' must have " + length + " values; given "
                    + (a == null ? "none" : a.length) + " (keys present: " + s.keySet() + ")");
        }
        return a;
    }

    /** Uploads state {@code key} into {@code into} (one transfer; length checked). */
    static void load(Map<String, double[]> s, String key, ParamVector into) {
        try (ParamVector h = ParamVector.fromHost(into.backend(), into.dtype(), get(s, key, into.dim()), into.shapes())) {
            into.set(h);
        }
    }
}
