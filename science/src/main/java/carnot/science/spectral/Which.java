package carnot.science.spectral;

/** Which end of the spectrum an eigensolver targets. */
public enum Which {
    /** The k algebraically largest eigenvalues (top-k; sharpness is the top-1). */
    LARGEST,
    /** The k algebraically smallest eigenvalues (bottom-k; the most negative curvature). */
    SMALLEST,
    /** The k eigenvalues of largest absolute value. */
    LARGEST_MAGNITUDE,
    /** The k eigenvalues of smallest absolute value (interior: converges slowly with Krylov methods). */
    SMALLEST_MAGNITUDE;

    /** Parses "largest"/"top"/"la", "smallest"/"bottom"/"sa", "lm", "sm" (any case). */
    public static Which parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "largest", "top", "la" -> LARGEST;
            case "smallest", "bottom", "sa" -> SMALLEST;
            case "largest_magnitude", "lm" -> LARGEST_MAGNITUDE;
            case "smallest_magnitude", "sm" -> SMALLEST_MAGNITUDE;
            default -> throw new IllegalArgumentException(
                    "which must be one of largest|smallest|lm|sm (or top|bottom|la|sa); given '" + s + "'");
        };
    }

    /**
     * Indices of the {@code k} wanted values among {@code values} (any order), ordered from most to least wanted:
     * descending for LARGEST, ascending for SMALLEST, by |value| descending/ascending for the magnitude modes.
     */
    int[] select(double[] values, int k) {
        Integer[] idx = new Integer[values.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        java.util.Comparator<Integer> order = switch (this) {
            case LARGEST -> (a, b) -> Double.compare(values[b], values[a]);
            case SMALLEST -> (a, b) -> Double.compare(values[a], values[b]);
            case LARGEST_MAGNITUDE -> (a, b) -> Double.compare(Math.abs(values[b]), Math.abs(values[a]));
            case SMALLEST_MAGNITUDE -> (a, b) -> Double.compare(Math.abs(values[a]), Math.abs(values[b]));
        };
        java.util.Arrays.sort(idx, order);
        int[] out = new int[Math.min(k, idx.length)];
        for (int i = 0; i < out.length; i++) {
            out[i] = idx[i];
        }
        return out;
    }
}
