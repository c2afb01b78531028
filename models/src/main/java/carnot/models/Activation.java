package carnot.models;

import carnot.engine.Tensor;
import java.util.Locale;

/**
 * Elementwise activations of {@link Mlp}: tanh, relu, gelu (tanh form {@code ½x(1 + tanh(√(2/π)(x + 0.044715x³)))},
 * PyTorch {@code approximate='tanh'}), linear (identity), sigmoid, softplus {@code log(1 + eˣ)}.
 */
public enum Activation {
    TANH, RELU, GELU, LINEAR, SIGMOID, SOFTPLUS;

    /** φ(z) elementwise. */
    public Tensor apply(Tensor z) {
        return switch (this) {
            case TANH -> z.tanh();
            case RELU -> z.relu();
            case GELU -> z.gelu();
            case LINEAR -> z;
            case SIGMOID -> z.sigmoid();
            case SOFTPLUS -> z.softplus();
        };
    }

    /** Parses a lower- or upper-case name; the error lists the choices. */
    public static Activation parse(String s) {
        for (Activation a : values()) {
            if (a.name().equalsIgnoreCase(s)) {
                return a;
            }
        }
        throw new IllegalArgumentException("activation must be one of tanh, relu, gelu, linear, sigmoid, softplus; "
                + "given '" + s + "'");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
