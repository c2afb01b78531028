package carnot.engine.io;

import java.util.Arrays;

/**
 * A host-side n-dimensional array in C (row-major) order, as stored in one {@code .npy} file.
 *
 * <p>{@code data} is a {@code float[]} for {@link NpyType#F32}, {@code double[]} for F64, {@code int[]} for I32
 * and {@code long[]} for I64, holding {@code prod(shape)} elements; element {@code (i0, …, ik)} sits at index
 * {@code sum_d i_d * prod_{e>d} shape[e]}. A scalar has shape {@code []} and one element.
 */
public record NdArray(NpyType dtype, int[] shape, Object data) {

    /** Validates that {@code data} is the array type of {@code dtype} and has {@code prod(shape)} elements. */
    public NdArray {
        if (dtype == null || shape == null || data == null) {
            throw new IllegalArgumentException("NdArray needs a dtype, a shape and data; given " + dtype + ", "
                    + Arrays.toString(shape) + ", " + (data == null ? "null" : data.getClass().getSimpleName()));
        }
        shape = shape.clone();
        long n = elementCount(shape);
        int len = switch (dtype) {
            case F32 -> data instanceof float[] a ? a.length : -1;
            case F64 -> data instanceof double[] a ? a.length : -1;
            case I32 -> data instanceof int[] a ? a.length : -1;
            case I64 -> data instanceof long[] a ? a.length : -1;
        };
        if (len < 0) {
            throw new IllegalArgumentException("NdArray of dtype " + dtype + " needs " + dtype.javaArrayName()
                    + " data; given " + data.getClass().getSimpleName());
        }
        if (len != n) {
            throw new IllegalArgumentException("NdArray of shape " + Arrays.toString(shape) + " needs " + n
                    + " elements; given " + len);
        }
    }

    /** Number of elements {@code prod(shape)}; throws for negative dims or more than 2^31-1 elements. */
    public static long elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("array dimensions must be >= 0; given " + Arrays.toString(shape));
            }
            n *= d;
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("arrays are limited to 2^31-9 elements; given shape "
                        + Arrays.toString(shape));
            }
        }
        return n;
    }

    public static NdArray ofF64(double[] data, int... shape) {
        return new NdArray(NpyType.F64, shape, data);
    }

    public static NdArray ofF32(float[] data, int... shape) {
        return new NdArray(NpyType.F32, shape, data);
    }

    public static NdArray ofI32(int[] data, int... shape) {
        return new NdArray(NpyType.I32, shape, data);
    }

    public static NdArray ofI64(long[] data, int... shape) {
        return new NdArray(NpyType.I64, shape, data);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Number of elements. */
    public int size() {
        return (int) elementCount(shape);
    }

    /** The elements as doubles (a copy; exact for F32, F64, I32 and for I64 up to 2^53). */
    public double[] toDoubles() {
        return switch (data) {
            case double[] a -> a.clone();
            case float[] a -> {
                double[] r = new double[a.length];
                for (int i = 0; i < a.length; i++) {
                    r[i] = a[i];
                }
                yield r;
            }
            case int[] a -> Arrays.stream(a).asDoubleStream().toArray();
            case long[] a -> Arrays.stream(a).asDoubleStream().toArray();
            default -> throw new IllegalStateException("unreachable: " + data.getClass());
        };
    }

    /**
     * The elements as ints (a copy). Integer dtypes must fit in int; float dtypes must hold whole numbers, else
     * the error names the first offending index and value.
     */
    public int[] toInts() {
        int n = size();
        int[] r = new int[n];
        switch (data) {
            case int[] a -> System.arraycopy(a, 0, r, 0, n);
            case long[] a -> {
                for (int i = 0; i < n; i++) {
                    if (a[i] != (int) a[i]) {
                        throw new IllegalArgumentException("integer array value at index " + i + " = " + a[i]
                                + " does not fit in int32");
                    }
                    r[i] = (int) a[i];
                }
            }
            default -> {
                double[] d = toDoubles();
                for (int i = 0; i < n; i++) {
                    if (d[i] != Math.rint(d[i]) || Math.abs(d[i]) > Integer.MAX_VALUE) {
                        throw new IllegalArgumentException("expected whole numbers (integer ids) but the " + dtype
                                + " array has value " + d[i] + " at index " + i);
                    }
                    r[i] = (int) d[i];
                }
            }
        }
        return r;
    }

    /** The flat index of the first NaN or infinite element, or -1 when every element is finite (always for ints). */
    public int firstNonFinite() {
        switch (data) {
            case double[] a -> {
                for (int i = 0; i < a.length; i++) {
                    if (!Double.isFinite(a[i])) {
                        return i;
                    }
                }
            }
            case float[] a -> {
                for (int i = 0; i < a.length; i++) {
                    if (!Float.isFinite(a[i])) {
                        return i;
                    }
                }
            }
            default -> {
            }
        }
        return -1;
    }

    /** The multi-index {@code [i0, …, ik]} of flat index {@code flat} in C order. */
    public int[] unravel(int flat) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return idx;
    }

    /** Same data viewed with another shape of equal element count. */
    public NdArray reshape(int... newShape) {
        if (elementCount(newShape) != size()) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " (" + size()
                    + " elements) to " + Arrays.toString(newShape));
        }
        return new NdArray(dtype, newShape, data);
    }

    /** Value equality on dtype, shape and elements (records compare arrays by identity otherwise). */
    public boolean sameAs(NdArray o) {
        if (o == null || dtype != o.dtype || !Arrays.equals(shape, o.shape)) {
            return false;
        }
        return switch (data) {
            case double[] a -> Arrays.equals(a, (double[]) o.data);
            case float[] a -> Arrays.equals(a, (float[]) o.data);
            case int[] a -> Arrays.equals(a, (int[]) o.data);
            case long[] a -> Arrays.equals(a, (long[]) o.data);
            default -> false;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NdArray n && sameAs(n);
    }

    @Override
    public int hashCode() {
        return dtype.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return dtype.name().toLowerCase() + Arrays.toString(shape);
    }
}
