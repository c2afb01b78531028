package carnot.kernels.layernorm;

import carnot.kernels.DType;
import carnot.kernels.Elem;
import carnot.kernels.elementwise.ElementwiseSimd;
import carnot.kernels.elementwise.VecF32;
import carnot.kernels.elementwise.VecF64;
import carnot.kernels.reduce.ReduceSimd;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Vector API layer norm with the formulas of {@link LayerNormRef}. Row sums use {@link ReduceSimd#sum} (f64
 * totals); the centred second moment is {@code sum (x - mean)^2} with mean rounded to the dtype; the outputs are
 * one fused multiply-add per element. Scalar tails follow the reference formulas.
 */
public final class LayerNormSimd {
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final int L32 = VecF32.S.length();
    private static final int L64 = VecF64.S.length();

    private LayerNormSimd() {
    }

    /** Forward over rows {@code [rowFrom, rowTo)}; out may be x. */
    public static void forward(DType t, MemorySegment x, MemorySegment out, MemorySegment mean, MemorySegment rstd,
                               int cols, double eps, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            long base = (long) r * cols;
            double mu = ReduceSimd.sum(t, x, null, base, base + cols, false) / cols;
            double v = centredSquares(t, x, base, cols, mu);
            double rs = 1 / Math.sqrt(v / cols + eps);
            ElementwiseSimd.affine(t, x, out, base, base + cols, rs, -mu * rs);
            Elem.set(mean, t, r, mu);
            Elem.set(rstd, t, r, rs);
        }
    }

    /** Backward over rows {@code [rowFrom, rowTo)}; dx may be dy. */
    public static void backward(DType t, MemorySegment dy, MemorySegment x, MemorySegment mean, MemorySegment rstd,
                                MemorySegment dx, int cols, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            long base = (long) r * cols;
            double mu = Elem.get(mean, t, r);
            double rs = Elem.get(rstd, t, r);
            double sdy = ReduceSimd.sum(t, dy, null, base, base + cols, false);
            double sdyx = (ReduceSimd.sum(t, dy, x, base, base + cols, false) - mu * sdy) * rs;
            double mdy = sdy / cols;
            double mdyx = sdyx / cols;
            // dx = rs * dy - rs * mdy - (x - mu) * rs * rs * mdyx = rs * dy + c1 * x + c0
            double c1 = -rs * rs * mdyx;
            double c0 = -rs * mdy + mu * rs * rs * mdyx;
            long i = base;
            long end = base + cols;
            if (t == DType.F32) {
                FloatVector a = FloatVector.broadcast(VecF32.S, (float) rs);
                FloatVector b = FloatVector.broadcast(VecF32.S, (float) c1);
                FloatVector c = FloatVector.broadcast(VecF32.S, (float) c0);
                for (; i + L32 <= end; i += L32) {
                    FloatVector g = FloatVector.fromMemorySegment(VecF32.S, dy, i * 4, NO);
                    FloatVector xv = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
                    g.fma(a, xv.fma(b, c)).intoMemorySegment(dx, i * 4, NO);
                }
            } else {
                DoubleVector a = DoubleVector.broadcast(VecF64.S, rs);
                DoubleVector b = DoubleVector.broadcast(VecF64.S, c1);
                DoubleVector c = DoubleVector.broadcast(VecF64.S, c0);
                for (; i + L64 <= end; i += L64) {
                    DoubleVector g = DoubleVector.fromMemorySegment(VecF64.S, dy, i * 8, NO);
                    DoubleVector xv = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
                    g.fma(a, xv.fma(b, c)).intoMemorySegment(dx, i * 8, NO);
                }
            }
            for (; i < end; i++) {
                Elem.set(dx, t, i, rs * Elem.get(dy, t, i) + (c1 * Elem.get(x, t, i) + c0));
            }
        }
    }

    private static double centredSquares(DType t, MemorySegment x, long base, int cols, double mu) {
        long i = base;
        long end = base + cols;
        double total = 0;
        if (t == DType.F32) {
            // int-counted inner loop with one exit test (see ReduceSimd.sum32: the two-condition form was
            // deoptimized repeatedly); same blocks and order of operations
            FloatVector m = FloatVector.broadcast(VecF32.S, (float) mu);
            float[] tmp = new float[L32];
            int vectors = cols / L32;
            for (int v0 = 0; v0 < vectors; v0 += ReduceSimd.BLOCK) {
                int n = Math.min(ReduceSimd.BLOCK, vectors - v0);
                FloatVector acc = FloatVector.zero(VecF32.S);
                long off = (i + (long) v0 * L32) * 4;
                for (int b = 0; b < n; b++) {
                    FloatVector d = FloatVector.fromMemorySegment(VecF32.S, x, off + (long) b * L32 * 4, NO).sub(m);
                    acc = d.fma(d, acc);
                }
                acc.intoArray(tmp, 0);
                for (float f : tmp) {
                    total += f;
                }
            }
            i += (long) vectors * L32;
        } else {
            DoubleVector m = DoubleVector.broadcast(VecF64.S, mu);
            DoubleVector acc = DoubleVector.zero(VecF64.S);
            for (; i + L64 <= end; i += L64) {
                DoubleVector d = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO).sub(m);
                acc = d.fma(d, acc);
            }
            for (double d : acc.toArray()) {
                total += d;
            }
        }
        for (; i < end; i++) {
            double d = Elem.get(x, t, i) - mu;
            total += d * d;
        }
        return total;
    }
}
