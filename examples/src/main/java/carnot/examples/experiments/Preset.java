package carnot.examples.experiments;

import java.util.Locale;

/** Which default configuration an experiment runs: {@code smoke} (seconds, asserted in the test suite) or {@code paper}. */
public enum Preset {
    SMOKE,
    PAPER;

    /** The preset named {@code text} ({@code smoke} or {@code paper}, any case). */
    public static Preset parse(String text) {
        for (Preset p : values()) {
            if (p.name().equalsIgnoreCase(text)) {
                return p;
            }
        }
        throw new IllegalArgumentException("--preset must be smoke or paper; given '" + text + "'");
    }

    /** The preset's name as written on the command line. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
