package carnot.science.train;

/** Argument checks for the training package. */
final class Checks {
    private Checks() {
    }

    /** The checkpoint's extra array {@code key} of the given length, or an error naming what is missing. */
    static double[] extra(Checkpoint c, String key, int length) {
        double[] v = c.extra().get(key);
        if (v == null || v.length != length) {
            throw new IllegalArgumentException("checkpoint at step " + c.step() + " must hold extra." + key + " with "
                    + length + " values; given " + (v == null ? "none" : v.length) + " (extras: " + c.extra().keySet() + ")");
        }
        return v.clone();
    }
}
