package carnot.kernels.reduce;

import carnot.kernels.DType;
import carnot.kernels.Elem;
import carnot.kernels.Reduce;

import java.lang.foreign.MemorySegment;

/**
 * Scalar reference reductions, dot and axpy. SUM, SUMSQ and dot accumulate in f64 in index order; MAX/MIN
 * propagate NaN ({@link Math#max}) and give -inf/+inf over an empty axis (SUM gives 0). Arguments are assumed
 * validated.
 */
public final class ReduceRef {
    private ReduceRef() {
    }

    /** The value of an empty reduction. */
    public static double identity(Reduce op) {
        return switch (op) {
            case SUM, SUMSQ -> 0;
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
        };
    }

    /** Combines an accumulator with one element. */
    public static double step(Reduce op, double acc, double v) {
        return switch (op) {
            case SUM -> acc + v;
            case SUMSQ -> acc + v * v;
            case MAX -> Math.max(acc, v);
            case MIN -> Math.min(acc, v);
        };
    }

    /** Outputs {@code out[q]}, q in [from, to) of {@code [outer, axis, inner]} reduced over the middle axis. */
    public static void reduce(Reduce op, DType t, MemorySegment x, MemorySegment out, long axis, long inner,
                              long from, long to) {
        for (long q = from; q < to; q++) {
            long o = q / inner;
            long j = q % inner;
            long base = o * axis * inner + j;
            double acc = identity(op);
            for (long a = 0; a < axis; a++) {
                acc = step(op, acc, Elem.get(x, t, base + a * inner));
            }
            Elem.set(out, t, q, acc);
        }
    }

    /** {@code sum x[i] y[i]} over i in [from, to), accumulated in f64. */
    public static double dot(DType t, MemorySegment x, MemorySegment y, long from, long to) {
        double s = 0;
        for (long i = from; i < to; i++) {
            s += Elem.get(x, t, i) * Elem.get(y, t, i);
        }
        return s;
    }

    /** {@code y[i] += alpha x[i]} for i in [from, to). */
    public static void axpy(DType t, double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        for (long i = from; i < to; i++) {
            Elem.set(y, t, i, Elem.get(y, t, i) + alpha * Elem.get(x, t, i));
        }
    }

    /** {@code sum x[i]} over i in [from, to), accumulated in f64. */
    public static double sum(DType t, MemorySegment x, long from, long to) {
        double s = 0;
        for (long i = from; i < to; i++) {
            s += Elem.get(x, t, i);
        }
        return s;
    }
}
