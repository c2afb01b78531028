package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Broadcast;

import java.util.Arrays;

/** Shape arithmetic shared by the primitives and {@link Tensor}; also the tangent-alignment helpers. */
public final class Shapes {
    private Shapes() {
    }

    /** Product of the extents (1 for rank 0). */
    public static long size(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape extents must be >= 0; given " + Arrays.toString(shape));
            }
            n *= d;
        }
        return n;
    }

    /** Normalizes a possibly negative axis against {@code rank}; throws naming both when out of range. */
    public static int axis(int a, int rank) {
        int x = a < 0 ? a + rank : a;
        if (x < 0 || x >= rank) {
            throw new IllegalArgumentException("axis must be in [-" + rank + ", " + rank + "); given " + a);
        }
        return x;
    }

    /** Normalized, sorted, distinct axes. */
    public static int[] axes(int[] axes, int rank) {
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            out[i] = axis(axes[i], rank);
        }
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) {
            if (out[i] == out[i - 1]) {
                throw new IllegalArgumentException("axes must be distinct; given " + Arrays.toString(axes));
            }
        }
        return out;
    }

    /** {@code [0, 1, ..., n-1]}. */
    public static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    /** Each axis plus {@code by}. */
    public static int[] shift(int[] axes, int by) {
        int[] r = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            r[i] = axes[i] + by;
        }
        return r;
    }

    /** The shape without the (sorted) axes. */
    public static int[] remove(int[] shape, int[] axes) {
        int[] r = new int[shape.length - axes.length];
        int j = 0;
        int a = 0;
        for (int i = 0; i < shape.length; i++) {
            if (a < axes.length && axes[a] == i) {
                a++;
            } else {
                r[j++] = shape[i];
            }
        }
        return r;
    }

    /** The shape with the (sorted) axes set to extent 1. */
    public static int[] keep(int[] shape, int[] axes) {
        int[] r = shape.clone();
        for (int a : axes) {
            r[a] = 1;
        }
        return r;
    }

    /** {@code [k, shape...]}. */
    public static int[] prepend(int k, int[] shape) {
        int[] r = new int[shape.length + 1];
        r[0] = k;
        System.arraycopy(shape, 0, r, 1, shape.length);
        return r;
    }

    /** {@code shape} without its first extent. */
    public static int[] tail(int[] shape) {
        return Arrays.copyOfRange(shape, 1, shape.length);
    }

    /** NumPy broadcast of two shapes. */
    public static int[] broadcast(int[] a, int[] b) {
        return Broadcast.of(a, b).shape();
    }

    /** Resolves one -1 extent and checks the size is unchanged. */
    public static int[] inferReshape(int[] from, int[] to) {
        long n = size(from);
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < to.length; i++) {
            if (to[i] == -1) {
                if (unknown >= 0) {
                    throw new IllegalArgumentException("reshape: at most one extent may be -1; given " + Arrays.toString(to));
                }
                unknown = i;
            } else if (to[i] < 0) {
                throw new IllegalArgumentException("reshape: extents must be >= 0 or -1; given " + Arrays.toString(to));
            } else {
                known *= to[i];
            }
        }
        int[] r = to.clone();
        if (unknown >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException("reshape: cannot infer -1 reshaping " + Arrays.toString(from) + " to "
                        + Arrays.toString(to));
            }
            r[unknown] = (int) (n / known);
        }
        if (size(r) != n) {
            throw new IllegalArgumentException("reshape: size must stay " + n + " reshaping " + Arrays.toString(from)
                    + "; given " + Arrays.toString(to));
        }
        return r;
    }

    /**
     * Axes of {@code shape} to sum so that the result (keepdims) reshapes to {@code target}, where {@code shape}
     * is a broadcast of {@code target}: the leading extra axes and the axes where target has extent 1 (axes of
     * extent 1 in {@code shape} are left to the reshape).
     */
    public static int[] reducedAxes(int[] shape, int[] target) {
        int lead = shape.length - target.length;
        if (lead < 0) {
            throw new IllegalArgumentException("sumTo: target " + Arrays.toString(target) + " has higher rank than "
                    + Arrays.toString(shape));
        }
        int[] tmp = new int[shape.length];
        int n = 0;
        for (int i = 0; i < shape.length; i++) {
            if (i < lead) {
                if (shape[i] != 1) {
                    tmp[n++] = i;
                }
            } else {
                int t = target[i - lead];
                if (t == 1 && shape[i] != 1) {
                    tmp[n++] = i;
                } else if (t != shape[i]) {
                    throw new IllegalArgumentException("sumTo: " + Arrays.toString(shape) + " is not a broadcast of "
                            + Arrays.toString(target));
                }
            }
        }
        return Arrays.copyOf(tmp, n);
    }

    /**
     * A tangent {@code [k, s...]} reshaped to {@code [k, 1, ..., 1, s...]} of rank {@code outRank + 1}, so that it
     * broadcasts against tensors of rank {@code outRank} the way its primal does.
     */
    public static Tensor align(Tensor t, int outRank) {
        int[] s = t.shape();
        int pad = outRank + 1 - s.length;
        if (pad == 0) {
            return t;
        }
        int[] r = new int[outRank + 1];
        Arrays.fill(r, 1);
        r[0] = s[0];
        System.arraycopy(s, 1, r, 1 + pad, s.length - 1);
        return t.reshape(r);
    }

    /** Broadcasts a tangent expression to exactly {@code [k, out...]}. */
    public static Tensor fit(Tensor t, int k, int[] out) {
        int[] want = prepend(k, out);
        return Arrays.equals(t.shape(), want) ? t : t.broadcastTo(want);
    }

    /** Batch k of the first non-null tangent. */
    public static int batch(Tensor[] t) {
        for (Tensor x : t) {
            if (x != null) {
                return x.shape()[0];
            }
        }
        throw new IllegalStateException("no tangent given");
    }

    /** Requires equal floating dtypes (same backend is checked by dispatch). */
    public static void sameDtype(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": operands must have the same dtype; given " + a.dtype() + " and " + b.dtype());
        }
        if (!a.dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": operands must be F32 or F64; given " + a.dtype());
        }
    }

    /** Requires a floating dtype. */
    public static void floating(String op, Tensor a) {
        if (!a.dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": operand must be F32 or F64; given " + a.dtype());
        }
    }

    /** Requires every input to have the floating dtype and the shape of the first; {@code names} lists them. */
    public static void sameShapes(String op, String names, Tensor[] in) {
        for (int i = 1; i < in.length; i++) {
            sameDtype(op, in[0], in[i]);
            if (!Arrays.equals(in[0].shape(), in[i].shape())) {
                throw new IllegalArgumentException(op + ": " + names + " must have one shape; given "
                        + Arrays.toString(in[0].shape()) + " and " + Arrays.toString(in[i].shape()) + " (input " + i + ")");
            }
        }
    }

    /**
     * The jvp of a primitive whose inputs all have the output's shape, from its partials: {@code sum_i t[i] ⊙ d[i]}
     * over the given tangents ({@code [k, shape]}), fitted to {@code [k, out]}; null when no tangent is given.
     */
    public static Tensor linear(Tensor[] d, Tensor[] t, Tensor out) {
        Tensor s = null;
        for (int i = 0; i < d.length; i++) {
            if (t[i] != null) {
                Tensor term = t[i].mul(d[i]);
                s = s == null ? term : s.add(term);
            }
        }
        return s == null ? null : fit(s, batch(t), out.shape());
    }
}
