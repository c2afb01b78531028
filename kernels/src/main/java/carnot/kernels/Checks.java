package carnot.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Argument validation shared by every backend, called before anything is written. Each check throws an unchecked
 * exception whose message names the op, what was required and what was given:
 * {@link IllegalArgumentException} for wrong dtype, foreign buffers, negative sizes and malformed layouts,
 * {@link IndexOutOfBoundsException} for element ranges or indices outside a buffer/table,
 * {@link IllegalStateException} for buffers used after free.
 */
public final class Checks {
    private Checks() {
    }

    /** The buffer belongs to {@code be} and is not freed. */
    public static void owned(String op, Backend be, String name, Buffer b) {
        if (b == null) {
            throw new IllegalArgumentException(op + ": buffer " + name + " is required; given null");
        }
        b.checkLive(op + " (" + name + ")");
        if (b.owner() != be) {
            throw new IllegalArgumentException(op + ": buffer " + name + " must belong to backend '" + be.name()
                    + "'; given " + b);
        }
    }

    /** The buffer is owned by {@code be}, live, and has dtype {@code required}. */
    public static void dtype(String op, Backend be, String name, Buffer b, DType required) {
        owned(op, be, name, b);
        if (b.dtype() != required) {
            throw new IllegalArgumentException(op + ": buffer " + name + " must be " + required + "; given " + b);
        }
    }

    /**
     * All buffers are owned by {@code be}, live, and share one floating dtype, which is returned. {@code names}
     * and {@code bufs} are parallel (names are used in messages).
     */
    public static DType floats(String op, Backend be, String names, Buffer... bufs) {
        DType t = null;
        for (int i = 0; i < bufs.length; i++) {
            Buffer b = bufs[i];
            if (b == null || b.isFreed() || b.owner() != be) {
                owned(op, be, name(names, i), b);
            }
            if (!b.dtype().isFloating()) {
                throw new IllegalArgumentException(op + ": buffer " + name(names, i) + " must be F32 or F64; given " + b);
            }
            if (t == null) {
                t = b.dtype();
            } else if (b.dtype() != t) {
                throw new IllegalArgumentException(op + ": all float buffers must share one dtype; " + name(names, 0)
                        + " is " + t + " but " + name(names, i) + " is " + b);
            }
        }
        return t;
    }

    /** The i-th comma-separated name of {@code names} (computed only for messages). */
    public static String name(String names, int i) {
        String[] n = names.split(",");
        return i < n.length ? n[i].trim() : "#" + i;
    }

    /** {@code v >= 0}. */
    public static void nonNegative(String op, String name, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(op + ": " + name + " must be >= 0; given " + v);
        }
    }

    /** Elements {@code [off, off + n)} lie inside {@code b}. */
    public static void range(String op, String name, Buffer b, long off, long n) {
        if (off < 0 || n < 0 || off > b.length() - n) {
            throw new IndexOutOfBoundsException(op + ": " + name + " needs elements [" + off + ", " + (off + n)
                    + ") (offset " + off + ", count " + n + "); given " + b);
        }
    }

    /**
     * A row-major {@code rows x cols} matrix with leading dimension {@code ld} starting at {@code off}, repeated
     * {@code batch} times every {@code stride} elements (stride >= 0), lies inside {@code b}; requires
     * {@code ld >= max(1, cols)}.
     */
    public static void matrix(String op, String name, Buffer b, long off, long rows, long cols, long ld,
                              long stride, long batch) {
        nonNegative(op, name + " rows", rows);
        nonNegative(op, name + " cols", cols);
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(op + ": leading dimension of " + name + " must be >= max(1, "
                    + cols + "); given " + ld);
        }
        if (stride < 0) {
            throw new IllegalArgumentException(op + ": batch stride of " + name + " must be >= 0; given " + stride);
        }
        if (rows == 0 || cols == 0 || batch == 0) {
            range(op, name, b, off, 0);
            return;
        }
        long extent = (rows - 1) * ld + cols + (batch - 1) * stride;
        if (off < 0 || off > b.length() - extent) {
            throw new IndexOutOfBoundsException(op + ": " + name + " as " + (batch > 1 ? batch + " x " : "")
                    + rows + "x" + cols + " (ld " + ld + (batch > 1 ? ", stride " + stride : "") + ") at offset "
                    + off + " needs elements [" + off + ", " + (off + extent) + "); given " + b);
        }
    }

    /**
     * Every element reached by the strided view (shape, strides, offset) lies inside {@code b}: the smallest and
     * largest reachable indices are computed from the signs of the strides.
     */
    public static void view(String op, String name, Buffer b, int[] shape, long[] strides, long offset) {
        long lo = offset;
        long hi = offset;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 0) {
                return;
            }
            long span = (shape[d] - 1) * strides[d];
            if (span < 0) {
                lo += span;
            } else {
                hi += span;
            }
        }
        if (lo < 0 || hi >= b.length()) {
            throw new IndexOutOfBoundsException(op + ": view of " + name + " with shape " + Arrays.toString(shape)
                    + ", strides " + Arrays.toString(strides) + ", offset " + offset + " reaches elements [" + lo
                    + ", " + hi + "]; given " + b);
        }
    }

    /** Every I32 index in host memory {@code idx[0..n)} is in {@code [0, bound)}. */
    public static void indices(String op, MemorySegment idx, long n, long bound) {
        for (long i = 0; i < n; i++) {
            int v = Elem.getInt(idx, i);
            if (v < 0 || v >= bound) {
                throw badIndex(op, i, bound, v);
            }
        }
    }

    /** The error for index {@code idx[i] = v} outside [0, bound) (also raised by device-side index checks). */
    public static IndexOutOfBoundsException badIndex(String op, long i, long bound, int v) {
        return new IndexOutOfBoundsException(op + ": index idx[" + i + "] must be in [0, " + bound + "); given " + v);
    }

    /** A host segment holds at least {@code n} elements of {@code t}. */
    public static void host(String op, MemorySegment seg, DType t, long n) {
        nonNegative(op, "count", n);
        if (seg == null) {
            throw new IllegalArgumentException(op + ": host segment is required; given null");
        }
        if (seg.byteSize() < n * t.bytes()) {
            throw new IndexOutOfBoundsException(op + ": host segment must hold " + n + " " + t + " elements ("
                    + n * t.bytes() + " bytes); given " + seg.byteSize() + " bytes");
        }
    }

    /** A generic requirement: throws {@link IllegalArgumentException} "op: what" when {@code ok} is false. */
    public static void require(boolean ok, String op, String what) {
        if (!ok) {
            throw new IllegalArgumentException(op + ": " + what);
        }
    }
}
