package carnot.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar element access to host memory by {@link DType}: {@code get(s, t, i)} reads element {@code i} (not byte)
 * of segment {@code s} as a double; {@code set} rounds a double to the dtype and stores it. Used by the reference
 * kernels and by SIMD tails; segments are native-order and aligned to their element size.
 */
public final class Elem {
    private Elem() {
    }

    /** Element {@code i} of {@code s} read as dtype {@code t} and widened to double. */
    public static double get(MemorySegment s, DType t, long i) {
        return switch (t) {
            case F32 -> s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            case F64 -> s.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
            case I32 -> s.getAtIndex(ValueLayout.JAVA_INT, i);
        };
    }

    /** Stores {@code v} rounded to dtype {@code t} (I32: truncated toward zero, saturating) at element {@code i}. */
    public static void set(MemorySegment s, DType t, long i, double v) {
        switch (t) {
            case F32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v);
            case F64 -> s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v);
            case I32 -> s.setAtIndex(ValueLayout.JAVA_INT, i, (int) v);
        }
    }

    /** Element {@code i} of an I32 segment. */
    public static int getInt(MemorySegment s, long i) {
        return s.getAtIndex(ValueLayout.JAVA_INT, i);
    }
}
