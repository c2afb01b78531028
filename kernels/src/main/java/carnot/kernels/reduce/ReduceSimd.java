package carnot.kernels.reduce;

import carnot.kernels.DType;
import carnot.kernels.Elem;
import carnot.kernels.Reduce;
import carnot.kernels.elementwise.VecF32;
import carnot.kernels.elementwise.VecF64;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Vector API reductions, dot and axpy with a documented, fixed summation order. Sums keep one vector
 * accumulator; f32 lanes are spilled into f64 per-lane totals every {@value #BLOCK} vectors (so at most
 * {@value #BLOCK} f32 additions round per lane); f64 lanes accumulate directly. The lane totals are then added in
 * lane order in f64, and the scalar tail (from {@link ReduceRef}) is added last. The order depends only on the
 * range bounds, so results are bitwise reproducible.
 */
public final class ReduceSimd {
    /** Vectors accumulated in f32 before spilling into f64 lane totals. */
    public static final int BLOCK = 64;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final int L32 = VecF32.S.length();
    private static final int L64 = VecF64.S.length();

    private ReduceSimd() {
    }

    /** {@code sum x[i] y[i]} over i in [from, to); when {@code y == null}, {@code sum x[i]}; when square, x[i]^2. */
    public static double sum(DType t, MemorySegment x, MemorySegment y, long from, long to, boolean square) {
        long i = from;
        double total = 0;
        if (t == DType.F32) {
            double[] lanes = new double[L32];
            float[] tmp = new float[L32];
            while (i + L32 <= to) {
                FloatVector acc = FloatVector.zero(VecF32.S);
                for (int b = 0; b < BLOCK && i + L32 <= to; b++, i += L32) {
                    FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
                    FloatVector w = y != null ? FloatVector.fromMemorySegment(VecF32.S, y, i * 4, NO)
                            : square ? v : null;
                    acc = w == null ? acc.add(v) : v.fma(w, acc);
                }
                acc.intoArray(tmp, 0);
                for (int l = 0; l < L32; l++) {
                    lanes[l] += tmp[l];
                }
            }
            for (double d : lanes) {
                total += d;
            }
        } else {
            double[] tmp = new double[L64];
            DoubleVector acc = DoubleVector.zero(VecF64.S);
            for (; i + L64 <= to; i += L64) {
                DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
                DoubleVector w = y != null ? DoubleVector.fromMemorySegment(VecF64.S, y, i * 8, NO)
                        : square ? v : null;
                acc = w == null ? acc.add(v) : v.fma(w, acc);
            }
            acc.intoArray(tmp, 0);
            for (double d : tmp) {
                total += d;
            }
        }
        if (y != null) {
            return total + ReduceRef.dot(t, x, y, i, to);
        }
        return total + (square ? ReduceRef.dot(t, x, x, i, to) : ReduceRef.sum(t, x, i, to));
    }

    /** Max (or min) of x[i] over i in [from, to); NaN propagates; -inf (+inf) when empty. */
    public static double extreme(DType t, MemorySegment x, long from, long to, boolean max) {
        long i = from;
        double m = max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        if (t == DType.F32 && to - from >= L32) {
            FloatVector acc = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            for (i += L32; i + L32 <= to; i += L32) {
                FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
                acc = max ? acc.max(v) : acc.min(v);
            }
            for (float f : acc.toArray()) {
                m = max ? Math.max(m, f) : Math.min(m, f);
            }
        } else if (t == DType.F64 && to - from >= L64) {
            DoubleVector acc = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            for (i += L64; i + L64 <= to; i += L64) {
                DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
                acc = max ? acc.max(v) : acc.min(v);
            }
            for (double d : acc.toArray()) {
                m = max ? Math.max(m, d) : Math.min(m, d);
            }
        }
        for (; i < to; i++) {
            double v = Elem.get(x, t, i);
            m = max ? Math.max(m, v) : Math.min(m, v);
        }
        return m;
    }

    /** {@code y[i] += alpha x[i]} for i in [from, to) (one fused multiply-add per element). */
    public static void axpy(DType t, double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        long i = from;
        if (t == DType.F32) {
            FloatVector a = FloatVector.broadcast(VecF32.S, (float) alpha);
            for (; i + L32 <= to; i += L32) {
                FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO)
                        .fma(a, FloatVector.fromMemorySegment(VecF32.S, y, i * 4, NO))
                        .intoMemorySegment(y, i * 4, NO);
            }
        } else {
            DoubleVector a = DoubleVector.broadcast(VecF64.S, alpha);
            for (; i + L64 <= to; i += L64) {
                DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO)
                        .fma(a, DoubleVector.fromMemorySegment(VecF64.S, y, i * 8, NO))
                        .intoMemorySegment(y, i * 8, NO);
            }
        }
        ReduceRef.axpy(t, alpha, x, y, i, to);
    }

    /**
     * Outputs {@code out[q]}, q in [from, to), of {@code [outer, axis, inner]} reduced over the middle axis.
     * inner == 1: each output is a contiguous run ({@link #sum} / {@link #extreme}); inner &gt; 1: vectors run
     * across j, accumulating over the axis (f32 sums spilled to f64 every {@value #BLOCK} rows); column tails
     * use the reference.
     */
    public static void reduce(Reduce op, DType t, MemorySegment x, MemorySegment out, long axis, long inner,
                              long from, long to) {
        if (inner == 1) {
            for (long q = from; q < to; q++) {
                long s = q * axis;
                double v = switch (op) {
                    case SUM -> sum(t, x, null, s, s + axis, false);
                    case SUMSQ -> sum(t, x, null, s, s + axis, true);
                    case MAX -> extreme(t, x, s, s + axis, true);
                    case MIN -> extreme(t, x, s, s + axis, false);
                };
                Elem.set(out, t, q, v);
            }
            return;
        }
        int lanes = t == DType.F32 ? L32 : L64;
        long q = from;
        while (q < to) {
            long o = q / inner;
            long j = q % inner;
            long rowEnd = Math.min(to, (o + 1) * inner);
            for (; q + lanes <= rowEnd; q += lanes, j += lanes) {
                columns(op, t, x, out, o * axis * inner + j, axis, inner, q);
            }
            ReduceRef.reduce(op, t, x, out, axis, inner, q, rowEnd);
            q = rowEnd;
        }
    }

    /** One vector of adjacent columns: {@code out[q + l] = op over a of x[base + a * inner + l]}. */
    private static void columns(Reduce op, DType t, MemorySegment x, MemorySegment out, long base, long axis,
                                long inner, long q) {
        boolean sum = op == Reduce.SUM || op == Reduce.SUMSQ;
        if (t == DType.F32) {
            double[] tot = new double[L32];
            float[] tmp = new float[L32];
            FloatVector ext = FloatVector.broadcast(VecF32.S, (float) ReduceRef.identity(op));
            long a = 0;
            while (a < axis) {
                FloatVector acc = sum ? FloatVector.zero(VecF32.S) : ext;
                for (int b = 0; b < BLOCK && a < axis; b++, a++) {
                    FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, (base + a * inner) * 4, NO);
                    acc = switch (op) {
                        case SUM -> acc.add(v);
                        case SUMSQ -> v.fma(v, acc);
                        case MAX -> acc.max(v);
                        case MIN -> acc.min(v);
                    };
                }
                if (sum) {
                    acc.intoArray(tmp, 0);
                    for (int l = 0; l < L32; l++) {
                        tot[l] += tmp[l];
                    }
                } else {
                    ext = acc;
                }
            }
            (sum ? FloatVector.fromArray(VecF32.S, toFloats(tot, tmp), 0) : ext).intoMemorySegment(out, q * 4, NO);
        } else {
            DoubleVector acc = DoubleVector.broadcast(VecF64.S, ReduceRef.identity(op));
            for (long a = 0; a < axis; a++) {
                DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, (base + a * inner) * 8, NO);
                acc = switch (op) {
                    case SUM -> acc.add(v);
                    case SUMSQ -> v.fma(v, acc);
                    case MAX -> acc.max(v);
                    case MIN -> acc.min(v);
                };
            }
            acc.intoMemorySegment(out, q * 8, NO);
        }
    }

    private static float[] toFloats(double[] d, float[] f) {
        for (int l = 0; l < d.length; l++) {
            f[l] = (float) d[l];
        }
        return f;
    }
}
