package carnot.science.param;

/**
 * How one parameter role scales with width: init std {@code init.at(m, r) / √fan_in} (null = keep the model's own
 * initialization, e.g. zero biases and unit gains), forward multiplier {@code multiplier.at(m, r)} (the model
 * computes with multiplier · value) and learning-rate multiplier {@code lr.at(m, r)} (times the base rate).
 */
public record RoleRule(Scaling init, Scaling multiplier, Scaling lr) {

    public RoleRule {
        if (multiplier == null || lr == null) {
            throw new IllegalArgumentException("a role rule needs a multiplier and a learning-rate scaling; given "
                    + multiplier + ", " + lr);
        }
    }

    /** SP entry for a weight: init 1/√fan_in, multiplier 1, lr 1. */
    public static RoleRule standard() {
        return new RoleRule(Scaling.ONE, Scaling.ONE, Scaling.ONE);
    }

    /** Keep the model's init, multiplier 1, lr scaled by {@code lr}. */
    public static RoleRule keep(Scaling lr) {
        return new RoleRule(null, Scaling.ONE, lr);
    }
}
