package carnot.science.param;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A parameterization resolved for concrete parameters at width ratio m and depth ratio r: per parameter the init
 * std (NaN = keep the model's init), forward multiplier and learning-rate multiplier.
 */
public record Table(Parameterization parameterization, double widthRatio, double depthRatio, List<Row> rows) {

    public Table {
        rows = List.copyOf(rows);
    }

    /** One parameter's resolved entries. */
    public record Row(ParamInfo param, RoleRule rule, double initStd, double multiplier, double lrMult) {
    }

    /** The same table with every init replaced by "keep" (for weights loaded from a file). */
    public Table withoutInit() {
        List<Row> r = new ArrayList<>();
        for (Row row : rows) {
            r.add(new Row(row.param(), row.rule(), Double.NaN, row.multiplier(), row.lrMult()));
        }
        return new Table(parameterization, widthRatio, depthRatio, r);
    }

    /** Per-coordinate learning-rate multipliers (lrMult of each parameter repeated size times), in order. */
    public double[] lrMultipliers() {
        long n = 0;
        for (Row r : rows) {
            n += r.param().size();
        }
        double[] out = new double[Math.toIntExact(n)];
        int at = 0;
        for (Row r : rows) {
            for (long i = 0; i < r.param().size(); i++) {
                out[at++] = r.lrMult();
            }
        }
        return out;
    }

    /** A fixed-width text table, one line per parameter, with a header naming the preset, m, r and α. */
    public String format() {
        StringBuilder s = new StringBuilder();
        Parameterization p = parameterization;
        s.append(String.format(Locale.ROOT, "parameterization %s  width ratio m=%s  depth ratio L=%s  alpha=%s%s%n",
                p.name(), num(widthRatio), num(depthRatio), num(p.alpha()),
                p.alpha() == 1 ? "" : " (output x alpha, lr x 1/alpha^2)"));
        s.append(String.format(Locale.ROOT, "%-28s %-10s %7s  %-18s %-18s %-18s %11s %11s %11s%n", "param", "role", "fan_in",
                "init rule", "mult rule", "lr rule", "init std", "multiplier", "lr mult"));
        for (Row r : rows) {
            s.append(String.format(Locale.ROOT, "%-28s %-10s %7d  %-18s %-18s %-18s %11s %11s %11s%n", r.param().name(),
                    r.param().role(), r.param().fanIn(),
                    r.rule().init() == null ? "keep" : r.rule().init() + "/sqrt(fan_in)",
                    r.rule().multiplier(), r.rule().lr(),
                    Double.isNaN(r.initStd()) ? "keep" : num(r.initStd()), num(r.multiplier()), num(r.lrMult())));
        }
        return s.toString();
    }

    /** The table as ordered maps/lists of strings and numbers, ready for a JSON writer. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", parameterization.name());
        m.put("width_ratio", widthRatio);
        m.put("depth_ratio", depthRatio);
        m.put("alpha", parameterization.alpha());
        List<Object> list = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", r.param().name());
            e.put("role", r.param().role().name());
            e.put("fan_in", r.param().fanIn());
            e.put("init_rule", r.rule().init() == null ? "keep" : r.rule().init().toString());
            e.put("multiplier_rule", r.rule().multiplier().toString());
            e.put("lr_rule", r.rule().lr().toString());
            e.put("init_std", Double.isNaN(r.initStd()) ? null : r.initStd());
            e.put("multiplier", r.multiplier());
            e.put("lr_mult", r.lrMult());
            list.add(e);
        }
        m.put("params", list);
        return m;
    }

    private static String num(double x) {
        return String.format(Locale.ROOT, "%.6g", x);
    }
}
