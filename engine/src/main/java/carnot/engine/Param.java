package carnot.engine;

import java.util.Arrays;

/**
 * A named, shaped parameter of a {@link Model}: its current value, its {@link Role}, fan-in/fan-out, and a
 * forward multiplier {@code m}: the model's forward computes with {@code m * value} (parameterizations such as
 * µP set m; default 1). The value is replaceable ({@link #set}); its shape and dtype are fixed.
 */
public final class Param {
    private final String name;
    private final int[] shape;
    private final Role role;
    private final int fanIn;
    private final int fanOut;
    private Tensor value;
    private double multiplier = 1;

    /** A parameter with initial value {@code value}; fanIn/fanOut are as the parameterization should see them. */
    public Param(String name, Role role, int fanIn, int fanOut, Tensor value) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("Param: name must be non-empty");
        }
        if (fanIn <= 0 || fanOut <= 0) {
            throw new IllegalArgumentException("Param " + name + ": fanIn and fanOut must be positive; given " + fanIn + ", " + fanOut);
        }
        this.name = name;
        this.role = role;
        this.fanIn = fanIn;
        this.fanOut = fanOut;
        this.shape = value.shape();
        this.value = value.detach();
    }

    public String name() {
        return name;
    }

    public int[] shape() {
        return shape.clone();
    }

    /** Number of scalar entries. */
    public long size() {
        return value.size();
    }

    public Role role() {
        return role;
    }

    public int fanIn() {
        return fanIn;
    }

    public int fanOut() {
        return fanOut;
    }

    public Tensor value() {
        return value;
    }

    /** Replaces the value (same shape and dtype required). The previous value is not freed. */
    public void set(Tensor v) {
        if (!Arrays.equals(v.shape(), shape) || v.dtype() != value.dtype()) {
            throw new IllegalArgumentException("Param " + name + ": value must be " + value.dtype() + Arrays.toString(shape)
                    + "; given " + v.dtype() + Arrays.toString(v.shape()));
        }
        value = v.detach();
    }

    /** Forward multiplier m: the model uses {@code m * value}. */
    public double multiplier() {
        return multiplier;
    }

    public void setMultiplier(double m) {
        if (!Double.isFinite(m)) {
            throw new IllegalArgumentException("Param " + name + ": multiplier must be finite; given " + m);
        }
        multiplier = m;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + " " + role + (multiplier != 1 ? " x" + multiplier : "");
    }
}
