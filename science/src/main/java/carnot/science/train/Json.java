package carnot.science.train;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal JSON writer for configs and metrics: maps (keys in iteration order), lists, double[]/int[]/long[],
 * strings, numbers, booleans and null. Non-finite doubles are written as null (JSON has no NaN); finite doubles
 * use the shortest repr that round-trips ({@link Double#toString}), so equal values give equal bytes.
 */
public final class Json {
    private Json() {
    }

    /** The compact JSON text of {@code value}. */
    public static String write(Object value) {
        StringBuilder s = new StringBuilder();
        write(s, value, -1, 0);
        return s.toString();
    }

    /** Indented JSON (2 spaces). */
    public static String pretty(Object value) {
        StringBuilder s = new StringBuilder();
        write(s, value, 2, 0);
        return s.append('\n').toString();
    }

    private static void write(StringBuilder s, Object v, int indent, int depth) {
        switch (v) {
            case null -> s.append("null");
            case String str -> string(s, str);
            case Boolean b -> s.append(b);
            case Double d -> number(s, d);
            case Float f -> number(s, f.doubleValue());
            case Number n -> s.append(n.longValue());
            case double[] a -> {
                s.append('[');
                for (int i = 0; i < a.length; i++) {
                    s.append(i > 0 ? "," : "");
                    number(s, a[i]);
                }
                s.append(']');
            }
            case int[] a -> s.append(java.util.Arrays.toString(a).replace(" ", ""));
            case long[] a -> s.append(java.util.Arrays.toString(a).replace(" ", ""));
            case Map<?, ?> m -> {
                s.append('{');
                int i = 0;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    s.append(i++ > 0 ? "," : "");
                    newline(s, indent, depth + 1);
                    string(s, String.valueOf(e.getKey()));
                    s.append(indent >= 0 ? ": " : ":");
                    write(s, e.getValue(), indent, depth + 1);
                }
                if (i > 0) {
                    newline(s, indent, depth);
                }
                s.append('}');
            }
            case List<?> l -> {
                s.append('[');
                for (int i = 0; i < l.size(); i++) {
                    s.append(i > 0 ? "," : "");
                    newline(s, indent, depth + 1);
                    write(s, l.get(i), indent, depth + 1);
                }
                if (!l.isEmpty()) {
                    newline(s, indent, depth);
                }
                s.append(']');
            }
            default -> string(s, v.toString());
        }
    }

    private static void newline(StringBuilder s, int indent, int depth) {
        if (indent >= 0) {
            s.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static void number(StringBuilder s, double d) {
        if (!Double.isFinite(d)) {
            s.append("null");
        } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            s.append((long) d);
        } else {
            s.append(Double.toString(d).toLowerCase(Locale.ROOT));
        }
    }

    private static void string(StringBuilder s, String str) {
        s.append('"');
        for (int i = 0; i < str.length(); i++) {
            char c = str.charAt(i);
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> {
                    if (c < 0x20) {
                        s.append(String.format("\\u%04x", (int) c));
                    } else {
                        s.append(c);
                    }
                }
            }
        }
        s.append('"');
    }
}
