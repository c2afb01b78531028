package carnot.science.train;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The configuration of a run that determines its numbers: a sorted map from flag name to canonical value. Its
 * {@link #text() text} is one {@code flag=value} line per entry in flag order, and its identity is
 * {@code SHA-256(text)} in hex. A run folder's {@code config.json} and every checkpoint carry it, so a resume can
 * refuse a checkpoint made by another configuration and name the flags that differ.
 *
 * @param flags flag name (e.g. {@code --lr}) to canonical value; names must not contain '=' or a line break,
 *              values must not contain a line break
 */
public record Fingerprint(SortedMap<String, String> flags) {

    public Fingerprint {
        for (Map.Entry<String, String> e : flags.entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().contains("=") || e.getKey().contains("\n")
                    || e.getValue().contains("\n")) {
                throw new IllegalArgumentException("a fingerprint entry needs a name without '=' or line breaks and a "
                        + "one-line value; given '" + e.getKey() + "' = '" + e.getValue() + "'");
            }
        }
        flags = Collections.unmodifiableSortedMap(new TreeMap<>(flags));
    }

    /** The fingerprint of these entries (copied and sorted). */
    public static Fingerprint of(Map<String, String> flags) {
        return new Fingerprint(new TreeMap<>(flags));
    }

    /** Parses {@link #text()} back. */
    public static Fingerprint parse(String text) {
        SortedMap<String, String> m = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("a fingerprint line is flag=value; given '" + line + "'");
            }
            m.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return new Fingerprint(m);
    }

    /** One {@code flag=value} line per entry, in flag order, each ending in a line feed. */
    public String text() {
        StringBuilder s = new StringBuilder();
        flags.forEach((k, v) -> s.append(k).append('=').append(v).append('\n'));
        return s.toString();
    }

    /** SHA-256 of the UTF-8 {@link #text()}, 64 lower-case hex digits. */
    public String sha256() {
        return sha256(text().getBytes(StandardCharsets.UTF_8));
    }

    /** SHA-256 of {@code bytes} in lower-case hex. */
    public static String sha256(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            StringBuilder s = new StringBuilder(64);
            for (byte b : d) {
                s.append(Character.forDigit((b >> 4) & 15, 16)).append(Character.forDigit(b & 15, 16));
            }
            return s.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /**
     * The entries that differ, one per flag in flag order, as {@code "--flag: VALUE_HERE in <here>, VALUE_OTHER in
     * <there>"} (a missing entry reads {@code (absent)}, an empty value {@code (empty)}); empty when equal.
     */
    public List<String> differences(Fingerprint other, String here, String there) {
        TreeSet<String> keys = new TreeSet<>(flags.keySet());
        keys.addAll(other.flags.keySet());
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            String a = flags.getOrDefault(k, "(absent)");
            String b = other.flags.getOrDefault(k, "(absent)");
            if (!a.equals(b)) {
                out.add(k + ": " + shown(a) + " " + here + ", " + shown(b) + " " + there);
            }
        }
        return out;
    }

    private static String shown(String v) {
        return v.isEmpty() ? "(empty)" : v;
    }
}
