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
    /** Columns reduced together by one row-streaming pass (accumulators stay in L1). */
    private static final int COLUMNS = 1024;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final int L32 = VecF32.S.length();
    private static final int L64 = VecF64.S.length();

    private ReduceSimd() {
    }

    /** {@code sum x[i] y[i]} over i in [from, to); when {@code y == null}, {@code sum x[i]}; when square, x[i]^2. */
    public static double sum(DType t, MemorySegment x, MemorySegment y, long from, long to, boolean square) {
        MemorySegment w = y != null ? y : square ? x : null;
        long i;
        double total;
        if (t == DType.F32) {
            long vectors = Math.max(0, to - from) / L32;
            total = w == null ? sum32(x, from, vectors) : dot32(x, w, from, vectors);
            i = from + vectors * L32;
        } else {
            long vectors = Math.max(0, to - from) / L64;
            total = w == null ? sum64(x, from, vectors) : dot64(x, w, from, vectors);
            i = from + vectors * L64;
        }
        if (y != null) {
            return total + ReduceRef.dot(t, x, y, i, to);
        }
        return total + (square ? ReduceRef.dot(t, x, x, i, to) : ReduceRef.sum(t, x, i, to));
    }

    /*
     * The loops below are int-counted with one exit test, one per case (a sum has no second operand): a loop
     * that tested both "b < BLOCK" and "i + L32 <= to", with a vector that could be null, was deoptimized
     * over and over by C2 ("profile_predicate", maybe_recompile), so that rows of layer norm and softmax ran the
     * Vector API's Java fallback between recompilations. The order of operations is the one documented above.
     */

    /** f32 sum of {@code vectors} whole vectors from element {@code from}: blocks of BLOCK, f64 lane totals. */
    private static double sum32(MemorySegment x, long from, long vectors) {
        double[] lanes = new double[L32];
        float[] tmp = new float[L32];
        long off = from * 4;
        for (long v0 = 0; v0 < vectors; v0 += BLOCK) {
            int n = (int) Math.min(BLOCK, vectors - v0);
            FloatVector acc = FloatVector.zero(VecF32.S);
            for (int b = 0; b < n; b++) {
                acc = acc.add(FloatVector.fromMemorySegment(VecF32.S, x, off + (long) b * L32 * 4, NO));
            }
            off += (long) n * L32 * 4;
            acc.intoArray(tmp, 0);
            for (int l = 0; l < L32; l++) {
                lanes[l] += tmp[l];
            }
        }
        double total = 0;
        for (double d : lanes) {
            total += d;
        }
        return total;
    }

    /** f32 {@code sum x y} of {@code vectors} whole vectors (y may be x): as {@link #sum32}, one fma per vector. */
    private static double dot32(MemorySegment x, MemorySegment y, long from, long vectors) {
        double[] lanes = new double[L32];
        float[] tmp = new float[L32];
        long off = from * 4;
        for (long v0 = 0; v0 < vectors; v0 += BLOCK) {
            int n = (int) Math.min(BLOCK, vectors - v0);
            FloatVector acc = FloatVector.zero(VecF32.S);
            for (int b = 0; b < n; b++) {
                long o = off + (long) b * L32 * 4;
                acc = FloatVector.fromMemorySegment(VecF32.S, x, o, NO)
                        .fma(FloatVector.fromMemorySegment(VecF32.S, y, o, NO), acc);
            }
            off += (long) n * L32 * 4;
            acc.intoArray(tmp, 0);
            for (int l = 0; l < L32; l++) {
                lanes[l] += tmp[l];
            }
        }
        double total = 0;
        for (double d : lanes) {
            total += d;
        }
        return total;
    }

    /** f64 sum of {@code vectors} whole vectors: one accumulator, lanes added in order. */
    private static double sum64(MemorySegment x, long from, long vectors) {
        DoubleVector acc = DoubleVector.zero(VecF64.S);
        long off = from * 8;
        for (long v = 0; v < vectors; v++, off += L64 * 8) {
            acc = acc.add(DoubleVector.fromMemorySegment(VecF64.S, x, off, NO));
        }
        double[] tmp = new double[L64];
        acc.intoArray(tmp, 0);
        double total = 0;
        for (double d : tmp) {
            total += d;
        }
        return total;
    }

    /** f64 {@code sum x y} of {@code vectors} whole vectors (y may be x). */
    private static double dot64(MemorySegment x, MemorySegment y, long from, long vectors) {
        DoubleVector acc = DoubleVector.zero(VecF64.S);
        long off = from * 8;
        for (long v = 0; v < vectors; v++, off += L64 * 8) {
            acc = DoubleVector.fromMemorySegment(VecF64.S, x, off, NO)
                    .fma(DoubleVector.fromMemorySegment(VecF64.S, y, off, NO), acc);
        }
        double[] tmp = new double[L64];
        acc.intoArray(tmp, 0);
        double total = 0;
        for (double d : tmp) {
            total += d;
        }
        return total;
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
            while (q + lanes <= rowEnd) {
                int width = (int) Math.min(COLUMNS, (rowEnd - q) / lanes * lanes);
                if (t == DType.F32) {
                    columns32(op, x, out, o * axis * inner + j, axis, inner, q, width);
                } else {
                    columns64(op, x, out, o * axis * inner + j, axis, inner, q, width);
                }
                q += width;
                j += width;
            }
            ReduceRef.reduce(op, t, x, out, axis, inner, q, rowEnd);
            q = rowEnd;
        }
    }

    /*
     * Column reductions stream the rows (contiguous loads) into per-column accumulators that stay in L1, instead
     * of walking each column down the rows (one cache line and often one page per load). Per column the order of
     * operations is unchanged: f32 sums in blocks of BLOCK rows spilled into f64 totals, f64 and extremes direct.
     */

    /** {@code out[q + c] = op over a of x[base + a * inner + c]} for c &lt; width (a multiple of the f32 lanes). */
    private static void columns32(Reduce op, MemorySegment x, MemorySegment out, long base, long axis, long inner,
                                  long q, int width) {
        float[] acc = new float[width];
        if (op == Reduce.MAX || op == Reduce.MIN) {
            java.util.Arrays.fill(acc, (float) ReduceRef.identity(op));
            for (long a = 0; a < axis; a++) {
                long row = (base + a * inner) * 4;
                for (int c = 0; c < width; c += L32) {
                    FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, row + c * 4L, NO);
                    FloatVector s = FloatVector.fromArray(VecF32.S, acc, c);
                    (op == Reduce.MAX ? s.max(v) : s.min(v)).intoArray(acc, c);
                }
            }
            MemorySegment.copy(acc, 0, out, java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, q * 4, width);
            return;
        }
        boolean square = op == Reduce.SUMSQ;
        double[] tot = new double[width];
        for (long a0 = 0; a0 < axis; a0 += BLOCK) {
            java.util.Arrays.fill(acc, 0f);
            long a1 = Math.min(axis, a0 + BLOCK);
            for (long a = a0; a < a1; a++) {
                long row = (base + a * inner) * 4;
                for (int c = 0; c < width; c += L32) {
                    FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, row + c * 4L, NO);
                    FloatVector s = FloatVector.fromArray(VecF32.S, acc, c);
                    (square ? v.fma(v, s) : s.add(v)).intoArray(acc, c);
                }
            }
            for (int c = 0; c < width; c++) {
                tot[c] += acc[c];
            }
        }
        for (int c = 0; c < width; c++) {
            acc[c] = (float) tot[c];
        }
        MemorySegment.copy(acc, 0, out, java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, q * 4, width);
    }

    /** As {@link #columns32} for f64 (direct accumulation); width is a multiple of the f64 lanes. */
    private static void columns64(Reduce op, MemorySegment x, MemorySegment out, long base, long axis, long inner,
                                  long q, int width) {
        double[] acc = new double[width];
        java.util.Arrays.fill(acc, ReduceRef.identity(op));
        for (long a = 0; a < axis; a++) {
            long row = (base + a * inner) * 8;
            for (int c = 0; c < width; c += L64) {
                DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, row + c * 8L, NO);
                DoubleVector s = DoubleVector.fromArray(VecF64.S, acc, c);
                (switch (op) {
                    case SUM -> s.add(v);
                    case SUMSQ -> v.fma(v, s);
                    case MAX -> s.max(v);
                    case MIN -> s.min(v);
                }).intoArray(acc, c);
            }
        }
        MemorySegment.copy(acc, 0, out, java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED, q * 8, width);
    }
}
