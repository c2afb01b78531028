package carnot.kernels.softmax;

import carnot.kernels.DType;
import carnot.kernels.elementwise.VecF32;
import carnot.kernels.elementwise.VecF64;
import carnot.kernels.reduce.ReduceSimd;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Vector API row softmax / log-softmax: {@code m = max} (vector max), {@code e_j = exp(x_j - m)} with the
 * vectorized exp of {@link VecF32}/{@link VecF64}, {@code s = sum e_j} in the order of {@link ReduceSimd#sum};
 * softmax {@code e_j * (1/s)}, log-softmax {@code x_j - m - ln s}. Scalar tails use {@link SoftmaxRef}'s formulas.
 */
public final class SoftmaxSimd {
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final int L32 = VecF32.S.length();
    private static final int L64 = VecF64.S.length();

    private SoftmaxSimd() {
    }

    /** Rows {@code [rowFrom, rowTo)}; out may be x. */
    public static void softmax(DType t, MemorySegment x, MemorySegment out, int cols, int rowFrom, int rowTo,
                               boolean log) {
        for (int r = rowFrom; r < rowTo; r++) {
            long base = (long) r * cols;
            double m = ReduceSimd.extreme(t, x, base, base + cols, true);
            if (log) {
                double s = expSum(t, x, null, base, cols, m);
                affineRow(t, x, out, base, cols, 1, -m - Math.log(s));
            } else {
                double s = expSum(t, x, out, base, cols, m);
                affineRow(t, out, out, base, cols, 1 / s, 0);
            }
        }
    }

    /**
     * Softmax cross-entropy of rows {@code [rowFrom, rowTo)}: max and exp-sum vectorized as in {@link #softmax},
     * then {@code out[r] = -sum_j q_j (z_j - m - ln s)} in f64 (one multiply-add per element).
     */
    public static void crossEntropy(DType t, MemorySegment z, MemorySegment q, MemorySegment out, int cols,
                                    int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            long base = (long) r * cols;
            double m = ReduceSimd.extreme(t, z, base, base + cols, true);
            double s = expSum(t, z, null, base, cols, m);
            carnot.kernels.Elem.set(out, t, r, -SoftmaxRef.weighted(t, z, q, base, cols, m + Math.log(s)));
        }
    }

    /**
     * {@code sum_j exp(x_j - m)}, also storing the exponentials into {@code store} when not null. One method per
     * dtype so that each keeps the vector exp inlined (see {@code UnaryLoops}).
     */
    private static double expSum(DType t, MemorySegment x, MemorySegment store, long base, int cols, double m) {
        return t == DType.F32 ? expSum32(x, store, base, cols, m) : expSum64(x, store, base, cols, m);
    }

    private static double expSum32(MemorySegment x, MemorySegment store, long base, int cols, double m) {
        long i = base;
        long end = base + cols;
        double total = 0;
        FloatVector vm = FloatVector.broadcast(VecF32.S, (float) m);
        FloatVector acc = FloatVector.zero(VecF32.S);
        float[] tmp = new float[L32];
        double[] lanes = new double[L32];
        int b = 0;
        for (; i + L32 <= end; i += L32) {
            FloatVector e = VecF32.exp(FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO).sub(vm));
            if (store != null) {
                e.intoMemorySegment(store, i * 4, NO);
            }
            acc = acc.add(e);
            if (++b == ReduceSimd.BLOCK) {
                spill(acc, tmp, lanes);
                acc = FloatVector.zero(VecF32.S);
                b = 0;
            }
        }
        spill(acc, tmp, lanes);
        for (double d : lanes) {
            total += d;
        }
        for (; i < end; i++) {
            float e = (float) Math.exp(x.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i) - (float) m);
            if (store != null) {
                store.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, e);
            }
            total += e;
        }
        return total;
    }

    private static double expSum64(MemorySegment x, MemorySegment store, long base, int cols, double m) {
        long i = base;
        long end = base + cols;
        double total = 0;
        DoubleVector vm = DoubleVector.broadcast(VecF64.S, m);
        DoubleVector acc = DoubleVector.zero(VecF64.S);
        for (; i + L64 <= end; i += L64) {
            DoubleVector e = VecF64.exp(DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO).sub(vm));
            if (store != null) {
                e.intoMemorySegment(store, i * 8, NO);
            }
            acc = acc.add(e);
        }
        for (double d : acc.toArray()) {
            total += d;
        }
        for (; i < end; i++) {
            double e = Math.exp(x.getAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i) - m);
            if (store != null) {
                store.setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i, e);
            }
            total += e;
        }
        return total;
    }

    private static void spill(FloatVector acc, float[] tmp, double[] lanes) {
        acc.intoArray(tmp, 0);
        for (int l = 0; l < tmp.length; l++) {
            lanes[l] += tmp[l];
        }
    }

    private static void affineRow(DType t, MemorySegment x, MemorySegment out, long base, int cols, double a,
                                  double b) {
        carnot.kernels.elementwise.ElementwiseSimd.affine(t, x, out, base, base + cols, a, b);
    }
}
