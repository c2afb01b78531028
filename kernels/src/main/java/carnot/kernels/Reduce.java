package carnot.kernels;

/** Reductions over the middle axis of an {@code [outer, axis, inner]} view; SUM accumulates in f64 on the reference. */
public enum Reduce {
    SUM, MAX, MIN, SUMSQ
}
