package carnot.kernels;

import java.util.Arrays;

/**
 * A strided view used by broadcasting and strided copies: {@code shape} of the iteration space (row-major,
 * rank 0..8) and, per operand, element strides (0 on a broadcast axis) plus an element offset.
 * Output of {@link Backend#binary} and {@link Backend#copyStrided} is always dense row-major of {@code shape}.
 */
public record Broadcast(int[] shape, long[] stridesA, long offsetA, long[] stridesB, long offsetB) {
    public static final int MAX_RANK = 8;

    public Broadcast {
        if (shape.length > MAX_RANK) {
            throw new IllegalArgumentException("rank must be <= " + MAX_RANK + "; given shape " + Arrays.toString(shape));
        }
        if (stridesA.length != shape.length || stridesB.length != shape.length) {
            throw new IllegalArgumentException("strides must have rank " + shape.length + "; given "
                    + Arrays.toString(stridesA) + " and " + Arrays.toString(stridesB));
        }
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape must be non-negative; given " + Arrays.toString(shape));
            }
        }
    }

    /** Number of elements of the iteration space (= of the output). */
    public long size() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Dense row-major strides of a shape. */
    public static long[] denseStrides(int[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /**
     * NumPy broadcasting of two dense row-major shapes: the result shape and each operand's strides on it
     * (0 where the operand has extent 1 or lacks the axis). Throws naming both shapes when incompatible.
     */
    public static Broadcast of(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        long[] sa = new long[rank];
        long[] sb = new long[rank];
        long[] da = denseStrides(a);
        long[] db = denseStrides(b);
        for (int i = 0; i < rank; i++) {
            int ia = i - (rank - a.length);
            int ib = i - (rank - b.length);
            int ea = ia >= 0 ? a[ia] : 1;
            int eb = ib >= 0 ? b[ib] : 1;
            if (ea != eb && ea != 1 && eb != 1) {
                throw new IllegalArgumentException("shapes do not broadcast: " + Arrays.toString(a) + " and "
                        + Arrays.toString(b) + " (axis " + i + ": " + ea + " vs " + eb + ")");
            }
            out[i] = ea == 1 ? eb : ea;
            sa[i] = (ea == 1 || ia < 0) ? 0 : da[ia];
            sb[i] = (eb == 1 || ib < 0) ? 0 : db[ib];
        }
        return new Broadcast(out, sa, 0, sb, 0);
    }
}
