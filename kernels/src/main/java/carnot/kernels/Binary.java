package carnot.kernels;

/**
 * Elementwise binary ops {@code out = f(a, b)} under broadcasting. Comparison ops give 1 or 0 in the output
 * dtype (masks). POW is {@code a^b}.
 */
public enum Binary {
    ADD, SUB, MUL, DIV, POW, MAX, MIN, GT, GE, EQ
}
