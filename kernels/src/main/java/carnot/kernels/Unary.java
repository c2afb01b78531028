package carnot.kernels;

/**
 * Elementwise unary ops {@code out[i] = f(x[i])}. The {@code D_*} entries are derivatives of the activations,
 * evaluated at the input x (not at the output): {@code D_TANH(x) = 1 - tanh(x)^2}, etc.
 * GELU is the tanh form: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}.
 * SOFTPLUS is {@code log(1 + exp(x))} computed without overflow; D_SOFTPLUS is the sigmoid.
 * D_RELU is the step {@code x > 0 ? 1 : 0}. SIGN is -1, 0 or 1.
 */
public enum Unary {
    NEG, ABS, SIGN, SQUARE, SQRT, RSQRT, RECIP, EXP, LOG,
    TANH, RELU, GELU, SIGMOID, SOFTPLUS,
    D_TANH, D_RELU, D_GELU, D_SIGMOID, D_SOFTPLUS
}
