package carnot.examples.experiments;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code --set key=value} overrides of an experiment's preset, parsed once at the command line's edge. An
 * experiment's {@link Experiment#override} reads every key it understands with the preset's value as default; keys
 * it did not read are refused by {@link #checkAllUsed} with the list of known keys.
 */
public final class Overrides {
    private final Map<String, String> values;
    private final Set<String> known = new LinkedHashSet<>();

    private Overrides(Map<String, String> values) {
        this.values = values;
    }

    /** No overrides. */
    public static Overrides none() {
        return new Overrides(Map.of());
    }

    /** Parses {@code key=value} items (the {@code --set} flag's values). */
    public static Overrides parse(List<String> items) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String it : items == null ? List.<String>of() : items) {
            int eq = it.indexOf('=');
            if (eq <= 0 || eq == it.length() - 1) {
                throw new IllegalArgumentException("--set expects key=value (e.g. --set steps=200); given '" + it + "'");
            }
            String k = it.substring(0, eq).trim();
            if (m.put(k, it.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("--set " + k + " given twice");
            }
        }
        return new Overrides(m);
    }

    /** True when no key was given. */
    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** The raw key=value pairs given. */
    public Map<String, String> given() {
        return Map.copyOf(values);
    }

    private String raw(String key) {
        known.add(key);
        return values.get(key);
    }

    public int getInt(String key, int dflt) {
        String v = raw(key);
        try {
            return v == null ? dflt : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw bad(key, v, "an integer");
        }
    }

    public long getLong(String key, long dflt) {
        String v = raw(key);
        try {
            return v == null ? dflt : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw bad(key, v, "an integer");
        }
    }

    public double getDouble(String key, double dflt) {
        String v = raw(key);
        try {
            return v == null ? dflt : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw bad(key, v, "a number");
        }
    }

    public boolean getBoolean(String key, boolean dflt) {
        String v = raw(key);
        if (v == null) {
            return dflt;
        }
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        throw bad(key, v, "true or false");
    }

    public String getString(String key, String dflt) {
        String v = raw(key);
        return v == null ? dflt : v;
    }

    /** A comma-separated list of numbers. */
    public double[] getDoubles(String key, double[] dflt) {
        String v = raw(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Arrays.stream(v.split(",")).map(String::trim).mapToDouble(Double::parseDouble).toArray();
        } catch (NumberFormatException e) {
            throw bad(key, v, "comma-separated numbers");
        }
    }

    /** A comma-separated list of integers. */
    public int[] getInts(String key, int[] dflt) {
        String v = raw(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Arrays.stream(v.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw bad(key, v, "comma-separated integers");
        }
    }

    /** Refuses any key that the experiment did not read, naming the keys it knows. */
    public void checkAllUsed(String experiment) {
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("--set: experiment " + experiment + " has no key " + unknown
                    + "; its keys are " + known);
        }
    }

    private static IllegalArgumentException bad(String key, String v, String what) {
        return new IllegalArgumentException("--set " + key + " must be " + what + "; given '" + v + "'");
    }
}
