package carnot.science.param;

import carnot.engine.Role;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * An abc-parameterization as data: one {@link RoleRule} per parameter {@link Role}, each entry a
 * {@code coefficient · (width/base width)^exponent} (and, for depth-µP, {@code · (depth/base depth)^exponent}),
 * plus Chizat's global output multiplier α.
 *
 * <p>Conventions. m = n/n₀ is the width ratio, r = L/L₀ the depth ratio. Init std = {@code init.at(m,r)/√fan_in}, so
 * exponent 0 is LeCun/PyTorch-style 1/√fan_in at every width. The forward multiplier multiplies the parameter
 * inside the model; the learning-rate multiplier multiplies the base rate η tuned at the base width. All presets
 * have every coefficient 1, so at m = r = 1 every preset reduces to SP (the µP == SP test relies on this).
 * Presets (SGD rules from Yang and Hu 2021, Table 3; Adam rules from Yang et al. 2022, Table 3):
 * <pre>
 *              INPUT        HIDDEN       READOUT              ATTN_LOGIT      BIAS/GAIN/EMBEDDING
 *   SP         1,1,1        1,1,1        1,1,1                1,1,1           keep,1,1
 *   NTP        1,1,1        m^½,m^-½,1   m^½,m^-½,1           m^½,m^-½,1      keep,1,1
 *   µP (SGD)   1,1,m        1,1,1        m^-½,1,m^-1          1,m^-½,1        keep,1,m
 *   µP (Adam)  1,1,1        1,1,m^-1     m^-½,1,m^-1          1,m^-½,m^-1     keep,1,1
 *   MF         1,1,m        1,1,1        1,m^-½,1             1,m^-½,1        keep,1,m
 *   depth-µP   µP (SGD or Adam table) with residual-branch output projections (names matching branchPattern)
 *              multiplied by L^-½
 * </pre>
 * (entries: init, multiplier, lr). The ATTN_LOGIT multiplier m^-½ on top of the usual 1/√d turns the attention
 * scale into 1/d. The output multiplier α scales the network output f ↦ α·f and the learning rate by 1/α²,
 * which is gradient descent on Chizat and Bach's lazy-training objective ℓ(α f)/α²: large α is lazy, small α rich.
 *
 * @param name  preset name, e.g. "mup"
 * @param rules one rule per role (all roles present)
 * @param alpha global output multiplier α &gt; 0
 * @param branchPattern regex of parameter names scaled by (L/L₀)^-½ (residual-branch outputs), or null
 */
public record Parameterization(String name, Map<Role, RoleRule> rules, double alpha, String branchPattern) {

    /** Residual-branch output projections of {@code carnot.models.Transformer} (attention and MLP out-projections). */
    public static final String TRANSFORMER_BRANCHES = "blocks\\.\\d+\\.(attn|mlp)\\.proj\\.weight";

    /** A table without residual-branch scaling. */
    public Parameterization(String name, Map<Role, RoleRule> rules, double alpha) {
        this(name, rules, alpha, null);
    }

    public Parameterization {
        if (!(alpha > 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("output multiplier alpha must be finite and > 0; given " + alpha);
        }
        for (Role role : Role.values()) {
            if (!rules.containsKey(role)) {
                throw new IllegalArgumentException("parameterization '" + name + "' has no rule for role " + role);
            }
        }
        rules = Collections.unmodifiableMap(new EnumMap<>(rules));
    }

    /** Standard parameterization: PyTorch-style 1/√fan_in init, constant learning rate. */
    public static Parameterization sp() {
        return build("sp", RoleRule.standard(), RoleRule.standard(), RoleRule.standard(), RoleRule.standard(),
                Scaling.ONE);
    }

    /** Neural tangent parameterization relative to the base width. */
    public static Parameterization ntp() {
        RoleRule ntk = new RoleRule(Scaling.width(0.5), Scaling.width(-0.5), Scaling.ONE);
        return build("ntp", RoleRule.standard(), ntk, ntk, ntk, Scaling.ONE);
    }

    /** Maximal update parameterization for SGD-type optimizers (incl. momentum). */
    public static Parameterization mup() {
        return build("mup",
                new RoleRule(Scaling.ONE, Scaling.ONE, Scaling.width(1)),
                RoleRule.standard(),
                new RoleRule(Scaling.width(-0.5), Scaling.ONE, Scaling.width(-1)),
                new RoleRule(Scaling.ONE, Scaling.width(-0.5), Scaling.ONE),
                Scaling.width(1));
    }

    /** Maximal update parameterization for Adam/AdamW. */
    public static Parameterization mupAdam() {
        return build("mup-adam",
                RoleRule.standard(),
                new RoleRule(Scaling.ONE, Scaling.ONE, Scaling.width(-1)),
                new RoleRule(Scaling.width(-0.5), Scaling.ONE, Scaling.width(-1)),
                new RoleRule(Scaling.ONE, Scaling.width(-0.5), Scaling.width(-1)),
                Scaling.ONE);
    }

    /** Mean-field parameterization: 1/n on the readout as a forward multiplier (equivalent dynamics to µP). */
    public static Parameterization meanField() {
        return build("mf",
                new RoleRule(Scaling.ONE, Scaling.ONE, Scaling.width(1)),
                RoleRule.standard(),
                new RoleRule(Scaling.ONE, Scaling.width(-0.5), Scaling.ONE),
                new RoleRule(Scaling.ONE, Scaling.width(-0.5), Scaling.ONE),
                Scaling.width(1));
    }

    /**
     * Depth-µP: µP (the SGD or Adam table) with the parameters whose names match {@code branchPattern} — the
     * output projections of residual branches — multiplied by 1/√(L/L₀).
     */
    public static Parameterization depthMup(boolean adam, String branchPattern) {
        Parameterization m = adam ? mupAdam() : mup();
        return new Parameterization(adam ? "depth-mup-adam" : "depth-mup", m.rules(), 1, branchPattern);
    }

    /**
     * A preset by name: sp, ntp, mup, mf, depth-mup, mup-adam. With {@code adam} true, "mup" resolves to the
     * Adam table.
     */
    public static Parameterization preset(String name, boolean adam) {
        return switch (name.toLowerCase()) {
            case "sp" -> sp();
            case "ntp" -> ntp();
            case "mup" -> adam ? mupAdam() : mup();
            case "mup-adam" -> mupAdam();
            case "mf" -> meanField();
            case "depth-mup" -> depthMup(adam, TRANSFORMER_BRANCHES);
            default -> throw new IllegalArgumentException("unknown parameterization '" + name
                    + "'; expected one of sp, ntp, mup, mf, depth-mup, mup-adam");
        };
    }

    /** The same table with output multiplier α. */
    public Parameterization withAlpha(double a) {
        return new Parameterization(name, rules, a, branchPattern);
    }

    /**
     * The same table with every init coefficient multiplied by {@code c} (e.g. 1/√3 reproduces PyTorch's default
     * uniform init U(±1/√fan_in), whose std is 1/√(3 fan_in)). Name gets a "*c" suffix when c ≠ 1.
     */
    public Parameterization withInitScale(double c) {
        if (!(c > 0) || !Double.isFinite(c)) {
            throw new IllegalArgumentException("init scale must be finite and > 0; given " + c);
        }
        if (c == 1) {
            return this;
        }
        Map<Role, RoleRule> r = new EnumMap<>(Role.class);
        rules.forEach((role, rule) -> r.put(role, rule.init() == null ? rule : new RoleRule(
                new Scaling(rule.init().coef() * c, rule.init().widthExp(), rule.init().depthExp()), rule.multiplier(), rule.lr())));
        return new Parameterization(name + "*" + c, r, alpha, branchPattern);
    }

    /** Learning-rate factor from α: 1/α². */
    public double alphaLrFactor() {
        return 1 / (alpha * alpha);
    }

    /**
     * Resolves the table for concrete parameters.
     *
     * @param params     the model's parameters in order
     * @param widthRatio m = n/n₀ &gt; 0
     * @param depthRatio r = L/L₀ &gt; 0
     */
    public Table resolve(List<ParamInfo> params, double widthRatio, double depthRatio) {
        if (!(widthRatio > 0) || !(depthRatio > 0)) {
            throw new IllegalArgumentException("width and depth ratios must be > 0; given " + widthRatio + ", " + depthRatio);
        }
        List<Table.Row> rows = new ArrayList<>();
        java.util.regex.Pattern branch = branchPattern == null ? null : java.util.regex.Pattern.compile(branchPattern);
        for (ParamInfo p : params) {
            RoleRule rule = rules.get(p.role());
            if (branch != null && branch.matcher(p.name()).matches()) {
                Scaling mult = rule.multiplier();
                rule = new RoleRule(rule.init(), new Scaling(mult.coef(), mult.widthExp(), mult.depthExp() - 0.5), rule.lr());
            }
            double std = rule.init() == null ? Double.NaN : rule.init().at(widthRatio, depthRatio) / Math.sqrt(p.fanIn());
            rows.add(new Table.Row(p, rule, std, rule.multiplier().at(widthRatio, depthRatio),
                    rule.lr().at(widthRatio, depthRatio)));
        }
        return new Table(this, widthRatio, depthRatio, rows);
    }

    private static Parameterization build(String name, RoleRule input, RoleRule hidden, RoleRule readout,
                                          RoleRule attn, Scaling vectorLr) {
        Map<Role, RoleRule> r = new EnumMap<>(Role.class);
        r.put(Role.INPUT, input);
        r.put(Role.HIDDEN, hidden);
        r.put(Role.READOUT, readout);
        r.put(Role.ATTN_LOGIT, attn);
        r.put(Role.BIAS, RoleRule.keep(vectorLr));
        r.put(Role.GAIN, RoleRule.keep(vectorLr));
        r.put(Role.EMBEDDING, RoleRule.keep(vectorLr));
        return new Parameterization(name, r, 1);
    }
}
