package carnot.kernels;

/**
 * Elementwise binary ops {@code out = f(a, b)} under broadcasting. Comparison ops give 1 or 0 in the output
 * dtype (masks). POW is {@code a^b}. TANH_BACKWARD is the fused tanh backward {@code a (1 - b^2)}: a is the
 * upstream gradient, b = tanh(z) the forward output (one pass instead of square, affine and multiply).
 * SIGMOID_BACKWARD is {@code a b (1 - b)} with b = sigmoid(z) the forward output; GELU_BACKWARD is
 * {@code a gelu'(b)} with b the GELU's input (tanh form, gelu' as {@link Unary#D_GELU}): the activations'
 * (co)tangent products in one pass.
 */
public enum Binary {
    ADD, SUB, MUL, DIV, POW, MAX, MIN, GT, GE, EQ, TANH_BACKWARD, SIGMOID_BACKWARD, GELU_BACKWARD
}
