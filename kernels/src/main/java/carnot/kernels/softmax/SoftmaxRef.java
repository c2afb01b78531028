package carnot.kernels.softmax;

import carnot.kernels.DType;
import carnot.kernels.Elem;

import java.lang.foreign.MemorySegment;

/**
 * Scalar reference row softmax / log-softmax in f64: {@code m = max_j x_j}, {@code s = sum_j exp(x_j - m)},
 * softmax {@code exp(x_j - m) / s}, log-softmax {@code x_j - m - log s}. Arguments are assumed validated.
 */
public final class SoftmaxRef {
    private SoftmaxRef() {
    }

    /** Rows {@code [rowFrom, rowTo)} of a row-major matrix with {@code cols} columns; out may be x. */
    public static void softmax(DType t, MemorySegment x, MemorySegment out, int cols, int rowFrom, int rowTo,
                               boolean log) {
        for (int r = rowFrom; r < rowTo; r++) {
            long base = (long) r * cols;
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                m = Math.max(m, Elem.get(x, t, base + j));
            }
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += Math.exp(Elem.get(x, t, base + j) - m);
            }
            double ls = Math.log(s);
            for (int j = 0; j < cols; j++) {
                double v = Elem.get(x, t, base + j) - m;
                Elem.set(out, t, base + j, log ? v - ls : Math.exp(v) / s);
            }
        }
    }

    /**
     * Softmax cross-entropy of rows {@code [rowFrom, rowTo)}: {@code out[r] = -sum_j q_j (z_j - m - log s)}, in f64
     * as {@link #softmax}.
     */
    public static void crossEntropy(DType t, MemorySegment z, MemorySegment q, MemorySegment out, int cols,
                                    int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            long base = (long) r * cols;
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                m = Math.max(m, Elem.get(z, t, base + j));
            }
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += Math.exp(Elem.get(z, t, base + j) - m);
            }
            Elem.set(out, t, r, -weighted(t, z, q, base, cols, m + Math.log(s)));
        }
    }

    /** {@code sum_j q_j (z_j - shift)} over one row, in f64 (shared by the SIMD variant). */
    static double weighted(DType t, MemorySegment z, MemorySegment q, long base, int cols, double shift) {
        double acc = 0;
        for (int j = 0; j < cols; j++) {
            acc += Elem.get(q, t, base + j) * (Elem.get(z, t, base + j) - shift);
        }
        return acc;
    }
}
