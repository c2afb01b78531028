package carnot.kernels.elementwise;

import carnot.kernels.Binary;
import carnot.kernels.DType;
import carnot.kernels.Elem;
import carnot.kernels.Unary;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Vector API elementwise kernels on off-heap segments over element ranges {@code [from, to)}: the vector loop
 * covers whole vectors and the scalar tail calls {@link ElementwiseRef}. LOG and POW (no SVML-free vector form
 * here) run the reference loop. Arguments are assumed validated.
 */
public final class ElementwiseSimd {
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final int L32 = VecF32.S.length();
    private static final int L64 = VecF64.S.length();

    private ElementwiseSimd() {
    }

    /** {@code out[i] = op(x[i])} for i in [from, to); the vector loop of each op is its own method ({@link UnaryLoops}). */
    public static void unary(Unary op, DType t, MemorySegment x, MemorySegment out, long from, long to) {
        UnaryLoops.Loop loop = t == DType.F32 ? UnaryLoops.f32(op) : UnaryLoops.f64(op);
        long i = loop == null ? from : loop.run(x, out, from, to);
        ElementwiseRef.unary(op, t, x, out, i, to);
    }

    /** {@code out[i] = alpha x[i] + beta} for i in [from, to). */
    public static void affine(DType t, MemorySegment x, MemorySegment out, long from, long to, double alpha,
                              double beta) {
        long i = from;
        if (t == DType.F32) {
            FloatVector a = FloatVector.broadcast(VecF32.S, (float) alpha);
            FloatVector b = FloatVector.broadcast(VecF32.S, (float) beta);
            for (long end = to - L32; i <= end; i += L32) {
                FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO).fma(a, b).intoMemorySegment(out, i * 4, NO);
            }
        } else {
            DoubleVector a = DoubleVector.broadcast(VecF64.S, alpha);
            DoubleVector b = DoubleVector.broadcast(VecF64.S, beta);
            for (long end = to - L64; i <= end; i += L64) {
                DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO).fma(a, b).intoMemorySegment(out, i * 8, NO);
            }
        }
        ElementwiseRef.affine(t, x, out, i, to, alpha, beta);
    }

    /**
     * {@code out[i] = f'(x[i])} of the tanh-form GELU {@code 0.5 x (1 + tanh(c (x + a x^3)))}, in one pass, with
     * exactly the roundings of the op sequence {@code carnot.engine.ops.Gelu#derivative} runs as separate kernels
     * of this class: {@code x2 = x x; u = c ((a x2 + 1) x); left = 0.5 (tanh(u) + 1);
     * right = 0.5 c ((x tanh'(u)) (3 a x2 + 1)); out = left + right}, products and the sum lanewise, each scalar
     * multiply-add one fma with its constants rounded to the dtype (as {@link #affine}), tanh and tanh' of
     * {@link VecF32}/{@link VecF64}. The scalar tail repeats the reference kernels' sequence
     * ({@link ElementwiseRef#geluDerivative}). Results equal the separate kernels' when chunk bounds are multiples
     * of the vector length (their tails then fall on the same elements), as {@code CpuBackend}'s are.
     */
    public static void geluDerivative(DType t, MemorySegment x, MemorySegment out, long from, long to, double a,
                                      double c) {
        int lanes = t == DType.F32 ? L32 : L64;
        long vectorEnd = from + (Math.max(0, to - from) / lanes) * lanes;
        if (t == DType.F32) {
            float[] u = new float[GELU_BLOCK];
            float[] left = new float[GELU_BLOCK];
            for (long b = from; b < vectorEnd; b += GELU_BLOCK) {
                int n = (int) Math.min(GELU_BLOCK, vectorEnd - b);
                geluU32(x, b, n, u, a, c);
                geluLeft32(u, left, n);
                geluOut32(x, out, b, n, u, left, a, c);
            }
        } else {
            double[] u = new double[GELU_BLOCK];
            double[] left = new double[GELU_BLOCK];
            for (long b = from; b < vectorEnd; b += GELU_BLOCK) {
                int n = (int) Math.min(GELU_BLOCK, vectorEnd - b);
                geluU64(x, b, n, u, a, c);
                geluLeft64(u, left, n);
                geluOut64(x, out, b, n, u, left, a, c);
            }
        }
        ElementwiseRef.geluDerivative(t, x, out, vectorEnd, to, a, c);
    }

    /*
     * geluDerivative runs in blocks of GELU_BLOCK elements through three loops with one transcendental each
     * (u; tanh(u) into left; tanh'(u) and the rest into out), the blocks' u and left staying in L1: one loop with
     * both tanh and tanh' exceeded C2's inlining budget (NodeCountInliningCutoff), and the vectors of the helpers
     * it did not inline ran the Vector API's Java fallback, slower than the fourteen separate passes.
     */
    private static final int GELU_BLOCK = 1024;

    /** {@code u = c ((a x^2 + 1) x)} for n elements (a multiple of the lanes) from element b. */
    private static void geluU32(MemorySegment x, long b, int n, float[] u, double a, double c) {
        FloatVector zero = FloatVector.broadcast(VecF32.S, 0f);
        FloatVector one = FloatVector.broadcast(VecF32.S, 1f);
        FloatVector fa = FloatVector.broadcast(VecF32.S, (float) a);
        FloatVector fc = FloatVector.broadcast(VecF32.S, (float) c);
        for (int q = 0; q < n; q += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, (b + q) * 4, NO);
            v.mul(v).fma(fa, zero).fma(one, one).mul(v).fma(fc, zero).intoArray(u, q);
        }
    }

    /** {@code left = 0.5 (tanh(u) + 1)}. */
    private static void geluLeft32(float[] u, float[] left, int n) {
        FloatVector zero = FloatVector.broadcast(VecF32.S, 0f);
        FloatVector one = FloatVector.broadcast(VecF32.S, 1f);
        FloatVector half = FloatVector.broadcast(VecF32.S, 0.5f);
        for (int q = 0; q < n; q += L32) {
            VecF32.tanh(FloatVector.fromArray(VecF32.S, u, q)).fma(one, one).fma(half, zero).intoArray(left, q);
        }
    }

    /** {@code out = left + 0.5 c ((x tanh'(u)) (3 a x^2 + 1))}. */
    private static void geluOut32(MemorySegment x, MemorySegment out, long b, int n, float[] u, float[] left,
                                  double a, double c) {
        FloatVector zero = FloatVector.broadcast(VecF32.S, 0f);
        FloatVector one = FloatVector.broadcast(VecF32.S, 1f);
        FloatVector f3a = FloatVector.broadcast(VecF32.S, (float) (3 * a));
        FloatVector fhc = FloatVector.broadcast(VecF32.S, (float) (0.5 * c));
        for (int q = 0; q < n; q += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, (b + q) * 4, NO);
            FloatVector right = v.mul(VecF32.dTanh(FloatVector.fromArray(VecF32.S, u, q)))
                    .mul(v.mul(v).fma(f3a, zero).fma(one, one)).fma(fhc, zero);
            FloatVector.fromArray(VecF32.S, left, q).add(right).intoMemorySegment(out, (b + q) * 4, NO);
        }
    }

    private static void geluU64(MemorySegment x, long b, int n, double[] u, double a, double c) {
        DoubleVector zero = DoubleVector.broadcast(VecF64.S, 0.0);
        DoubleVector one = DoubleVector.broadcast(VecF64.S, 1.0);
        DoubleVector da = DoubleVector.broadcast(VecF64.S, a);
        DoubleVector dc = DoubleVector.broadcast(VecF64.S, c);
        for (int q = 0; q < n; q += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, (b + q) * 8, NO);
            v.mul(v).fma(da, zero).fma(one, one).mul(v).fma(dc, zero).intoArray(u, q);
        }
    }

    private static void geluLeft64(double[] u, double[] left, int n) {
        DoubleVector zero = DoubleVector.broadcast(VecF64.S, 0.0);
        DoubleVector one = DoubleVector.broadcast(VecF64.S, 1.0);
        DoubleVector half = DoubleVector.broadcast(VecF64.S, 0.5);
        for (int q = 0; q < n; q += L64) {
            VecF64.tanh(DoubleVector.fromArray(VecF64.S, u, q)).fma(one, one).fma(half, zero).intoArray(left, q);
        }
    }

    private static void geluOut64(MemorySegment x, MemorySegment out, long b, int n, double[] u, double[] left,
                                  double a, double c) {
        DoubleVector zero = DoubleVector.broadcast(VecF64.S, 0.0);
        DoubleVector one = DoubleVector.broadcast(VecF64.S, 1.0);
        DoubleVector d3a = DoubleVector.broadcast(VecF64.S, 3 * a);
        DoubleVector dhc = DoubleVector.broadcast(VecF64.S, 0.5 * c);
        for (int q = 0; q < n; q += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, (b + q) * 8, NO);
            DoubleVector right = v.mul(VecF64.dTanh(DoubleVector.fromArray(VecF64.S, u, q)))
                    .mul(v.mul(v).fma(d3a, zero).fma(one, one)).fma(dhc, zero);
            DoubleVector.fromArray(VecF64.S, left, q).add(right).intoMemorySegment(out, (b + q) * 8, NO);
        }
    }

    /** {@code out[i] = mask[i] != 0 ? a[i] : b[i]} for i in [from, to). */
    public static void where(DType t, MemorySegment mask, MemorySegment a, MemorySegment b, MemorySegment out,
                             long from, long to) {
        long i = from;
        if (t == DType.F32) {
            for (long end = to - L32; i <= end; i += L32) {
                FloatVector m = FloatVector.fromMemorySegment(VecF32.S, mask, i * 4, NO);
                FloatVector va = FloatVector.fromMemorySegment(VecF32.S, a, i * 4, NO);
                FloatVector vb = FloatVector.fromMemorySegment(VecF32.S, b, i * 4, NO);
                vb.blend(va, m.compare(VectorOperators.NE, 0f)).intoMemorySegment(out, i * 4, NO);
            }
        } else {
            for (long end = to - L64; i <= end; i += L64) {
                DoubleVector m = DoubleVector.fromMemorySegment(VecF64.S, mask, i * 8, NO);
                DoubleVector va = DoubleVector.fromMemorySegment(VecF64.S, a, i * 8, NO);
                DoubleVector vb = DoubleVector.fromMemorySegment(VecF64.S, b, i * 8, NO);
                vb.blend(va, m.compare(VectorOperators.NE, 0.0)).intoMemorySegment(out, i * 8, NO);
            }
        }
        ElementwiseRef.where(t, mask, a, b, out, i, to);
    }

    /**
     * {@code out[i] = tg[i] (1 - y[i]^2) - 2 g[i] y[i] ty[i]} for i in [from, to) in the buffer dtype:
     * {@code tg (1 - y y) - (2 g y) ty}; the scalar tail goes to the reference.
     */
    public static void tanhBackwardTangent(DType t, MemorySegment tg, MemorySegment g, MemorySegment y,
                                           MemorySegment ty, MemorySegment out, long from, long to) {
        long i = from;
        if (t == DType.F32) {
            for (long end = to - L32; i <= end; i += L32) {
                FloatVector vy = FloatVector.fromMemorySegment(VecF32.S, y, i * 4, NO);
                FloatVector vt = FloatVector.fromMemorySegment(VecF32.S, tg, i * 4, NO);
                FloatVector vg = FloatVector.fromMemorySegment(VecF32.S, g, i * 4, NO);
                FloatVector vty = FloatVector.fromMemorySegment(VecF32.S, ty, i * 4, NO);
                FloatVector a = vt.mul(vy.mul(vy).neg().add(1f));
                a.sub(vg.mul(vy).mul(2f).mul(vty)).intoMemorySegment(out, i * 4, NO);
            }
        } else {
            for (long end = to - L64; i <= end; i += L64) {
                DoubleVector vy = DoubleVector.fromMemorySegment(VecF64.S, y, i * 8, NO);
                DoubleVector vt = DoubleVector.fromMemorySegment(VecF64.S, tg, i * 8, NO);
                DoubleVector vg = DoubleVector.fromMemorySegment(VecF64.S, g, i * 8, NO);
                DoubleVector vty = DoubleVector.fromMemorySegment(VecF64.S, ty, i * 8, NO);
                DoubleVector a = vt.mul(vy.mul(vy).neg().add(1.0));
                a.sub(vg.mul(vy).mul(2.0).mul(vty)).intoMemorySegment(out, i * 8, NO);
            }
        }
        ElementwiseRef.tanhBackwardTangent(t, tg, g, y, ty, out, i, to);
    }

    /**
     * {@code out[i] = tg[i] gelu'(x[i]) + (g[i] tx[i]) gelu''(x[i])} for i in [from, to) in the buffer dtype
     * ({@link VecF32#geluBackwardTangent}); the scalar tail goes to the reference.
     */
    public static void geluBackwardTangent(DType t, MemorySegment tg, MemorySegment g, MemorySegment x,
                                           MemorySegment tx, MemorySegment out, long from, long to) {
        long i = from;
        if (t == DType.F32) {
            for (long end = to - L32; i <= end; i += L32) {
                FloatVector vx = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
                FloatVector vt = FloatVector.fromMemorySegment(VecF32.S, tg, i * 4, NO);
                FloatVector vg = FloatVector.fromMemorySegment(VecF32.S, g, i * 4, NO);
                FloatVector vtx = FloatVector.fromMemorySegment(VecF32.S, tx, i * 4, NO);
                VecF32.geluBackwardTangent(vt, vg, vx, vtx).intoMemorySegment(out, i * 4, NO);
            }
        } else {
            for (long end = to - L64; i <= end; i += L64) {
                DoubleVector vx = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
                DoubleVector vt = DoubleVector.fromMemorySegment(VecF64.S, tg, i * 8, NO);
                DoubleVector vg = DoubleVector.fromMemorySegment(VecF64.S, g, i * 8, NO);
                DoubleVector vtx = DoubleVector.fromMemorySegment(VecF64.S, tx, i * 8, NO);
                VecF64.geluBackwardTangent(vt, vg, vx, vtx).intoMemorySegment(out, i * 8, NO);
            }
        }
        ElementwiseRef.geluBackwardTangent(t, tg, g, x, tx, out, i, to);
    }

    /**
     * {@code out[i] = tg[i] (y[i] (1 - y[i])) + (g[i] ty[i]) (1 - 2 y[i])} for i in [from, to) in the buffer
     * dtype; the scalar tail goes to the reference.
     */
    public static void sigmoidBackwardTangent(DType t, MemorySegment tg, MemorySegment g, MemorySegment y,
                                              MemorySegment ty, MemorySegment out, long from, long to) {
        long i = from;
        if (t == DType.F32) {
            for (long end = to - L32; i <= end; i += L32) {
                FloatVector vy = FloatVector.fromMemorySegment(VecF32.S, y, i * 4, NO);
                FloatVector vt = FloatVector.fromMemorySegment(VecF32.S, tg, i * 4, NO);
                FloatVector vg = FloatVector.fromMemorySegment(VecF32.S, g, i * 4, NO);
                FloatVector vty = FloatVector.fromMemorySegment(VecF32.S, ty, i * 4, NO);
                vt.mul(vy.mul(vy.neg().add(1f))).add(vg.mul(vty).mul(vy.mul(-2f).add(1f)))
                        .intoMemorySegment(out, i * 4, NO);
            }
        } else {
            for (long end = to - L64; i <= end; i += L64) {
                DoubleVector vy = DoubleVector.fromMemorySegment(VecF64.S, y, i * 8, NO);
                DoubleVector vt = DoubleVector.fromMemorySegment(VecF64.S, tg, i * 8, NO);
                DoubleVector vg = DoubleVector.fromMemorySegment(VecF64.S, g, i * 8, NO);
                DoubleVector vty = DoubleVector.fromMemorySegment(VecF64.S, ty, i * 8, NO);
                vt.mul(vy.mul(vy.neg().add(1.0))).add(vg.mul(vty).mul(vy.mul(-2.0).add(1.0)))
                        .intoMemorySegment(out, i * 8, NO);
            }
        }
        ElementwiseRef.sigmoidBackwardTangent(t, tg, g, y, ty, out, i, to);
    }

    /**
     * Broadcast binary for dense outputs {@code [from, to)} of the collapsed view {@code v}
     * (see {@link StridedView#collapse}): runs along the innermost axis use vectors when each operand's inner
     * stride is 0 (broadcast scalar) or 1 (contiguous), the reference otherwise.
     */
    public static void binary(Binary op, DType t, MemorySegment a, MemorySegment b, MemorySegment out,
                              StridedView v, long from, long to) {
        int rank = v.shape().length;
        long inner = rank == 0 ? 1 : v.shape()[rank - 1];
        long sa = rank == 0 ? 0 : v.stridesA()[rank - 1];
        long sb = rank == 0 ? 0 : v.stridesB()[rank - 1];
        long pos = from;
        while (pos < to) {
            long row = pos / inner;
            long col = pos % inner;
            long len = Math.min(inner - col, to - pos);
            long pa = v.offsetOf(row, true) + col * sa;
            long pb = v.offsetOf(row, false) + col * sb;
            run(op, t, a, pa, sa, b, pb, sb, out, pos, len);
            pos += len;
        }
    }

    /** One run {@code out[io + q] = op(a[ia + q sa], b[ib + q sb])}, q &lt; len (strides 0 or 1 vectorized). */
    public static void run(Binary op, DType t, MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                    MemorySegment out, long io, long len) {
        long q = 0;
        if ((sa == 0 || sa == 1) && (sb == 0 || sb == 1)) {
            q = t == DType.F32 ? run32(op, a, ia, sa, b, ib, sb, out, io, len) : run64(op, a, ia, sa, b, ib, sb, out, io, len);
        }
        ElementwiseRef.binaryRun(op, t, a, ia + q * sa, sa, b, ib + q * sb, sb, out, io + q, len - q);
    }

    /*
     * The vector loops keep every vector inside one method: a vector passed to or returned from a helper that
     * C2 does not inline loses its exact species class and falls back to the (very slow) Java implementation,
     * so the op switch sits outside the loops and each loop body is written out.
     */

    /** Vector part of a f32 run; returns how many elements it covered. */
    private static long run32(Binary op, MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        FloatVector ca = FloatVector.broadcast(VecF32.S, (float) Elem.get(a, DType.F32, ia));
        FloatVector cb = FloatVector.broadcast(VecF32.S, (float) Elem.get(b, DType.F32, ib));
        FloatVector zero = FloatVector.zero(VecF32.S);
        long q = 0;
        long end = len - L32;
        switch (op) {
            case ADD -> {
                for (; q <= end; q += L32) {
                    ld(a, ia, sa, q, ca).add(ld(b, ib, sb, q, cb)).intoMemorySegment(out, (io + q) * 4, NO);
                }
            }
            case SUB -> {
                for (; q <= end; q += L32) {
                    ld(a, ia, sa, q, ca).sub(ld(b, ib, sb, q, cb)).intoMemorySegment(out, (io + q) * 4, NO);
                }
            }
            case MUL -> {
                for (; q <= end; q += L32) {
                    ld(a, ia, sa, q, ca).mul(ld(b, ib, sb, q, cb)).intoMemorySegment(out, (io + q) * 4, NO);
                }
            }
            case DIV -> {
                for (; q <= end; q += L32) {
                    ld(a, ia, sa, q, ca).div(ld(b, ib, sb, q, cb)).intoMemorySegment(out, (io + q) * 4, NO);
                }
            }
            case MAX -> {
                for (; q <= end; q += L32) {
                    ld(a, ia, sa, q, ca).max(ld(b, ib, sb, q, cb)).intoMemorySegment(out, (io + q) * 4, NO);
                }
            }
            case MIN -> {
                for (; q <= end; q += L32) {
                    ld(a, ia, sa, q, ca).min(ld(b, ib, sb, q, cb)).intoMemorySegment(out, (io + q) * 4, NO);
                }
            }
            case GT, GE, EQ -> {
                VectorOperators.Comparison c = op == Binary.GT ? VectorOperators.GT
                        : op == Binary.GE ? VectorOperators.GE : VectorOperators.EQ;
                for (; q <= end; q += L32) {
                    zero.blend(1f, ld(a, ia, sa, q, ca).compare(c, ld(b, ib, sb, q, cb)))
                            .intoMemorySegment(out, (io + q) * 4, NO);
                }
            }
            case TANH_BACKWARD -> {
                for (; q <= end; q += L32) {
                    FloatVector y = ld(b, ib, sb, q, cb);
                    ld(a, ia, sa, q, ca).mul(y.mul(y).neg().add(1f)).intoMemorySegment(out, (io + q) * 4, NO);
                }
            }
            case SIGMOID_BACKWARD -> {
                for (; q <= end; q += L32) {
                    FloatVector y = ld(b, ib, sb, q, cb);
                    ld(a, ia, sa, q, ca).mul(y.mul(y.neg().add(1f))).intoMemorySegment(out, (io + q) * 4, NO);
                }
            }
            case GELU_BACKWARD -> {
                for (; q <= end; q += L32) {
                    ld(a, ia, sa, q, ca).mul(VecF32.dGelu(ld(b, ib, sb, q, cb))).intoMemorySegment(out, (io + q) * 4, NO);
                }
            }
            case POW -> {
            }
        }
        return q;
    }

    /** Vector part of a f64 run; returns how many elements it covered. */
    private static long run64(Binary op, MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        DoubleVector ca = DoubleVector.broadcast(VecF64.S, Elem.get(a, DType.F64, ia));
        DoubleVector cb = DoubleVector.broadcast(VecF64.S, Elem.get(b, DType.F64, ib));
        DoubleVector zero = DoubleVector.zero(VecF64.S);
        long q = 0;
        long end = len - L64;
        switch (op) {
            case ADD -> {
                for (; q <= end; q += L64) {
                    ld(a, ia, sa, q, ca).add(ld(b, ib, sb, q, cb)).intoMemorySegment(out, (io + q) * 8, NO);
                }
            }
            case SUB -> {
                for (; q <= end; q += L64) {
                    ld(a, ia, sa, q, ca).sub(ld(b, ib, sb, q, cb)).intoMemorySegment(out, (io + q) * 8, NO);
                }
            }
            case MUL -> {
                for (; q <= end; q += L64) {
                    ld(a, ia, sa, q, ca).mul(ld(b, ib, sb, q, cb)).intoMemorySegment(out, (io + q) * 8, NO);
                }
            }
            case DIV -> {
                for (; q <= end; q += L64) {
                    ld(a, ia, sa, q, ca).div(ld(b, ib, sb, q, cb)).intoMemorySegment(out, (io + q) * 8, NO);
                }
            }
            case MAX -> {
                for (; q <= end; q += L64) {
                    ld(a, ia, sa, q, ca).max(ld(b, ib, sb, q, cb)).intoMemorySegment(out, (io + q) * 8, NO);
                }
            }
            case MIN -> {
                for (; q <= end; q += L64) {
                    ld(a, ia, sa, q, ca).min(ld(b, ib, sb, q, cb)).intoMemorySegment(out, (io + q) * 8, NO);
                }
            }
            case GT, GE, EQ -> {
                VectorOperators.Comparison c = op == Binary.GT ? VectorOperators.GT
                        : op == Binary.GE ? VectorOperators.GE : VectorOperators.EQ;
                for (; q <= end; q += L64) {
                    zero.blend(1.0, ld(a, ia, sa, q, ca).compare(c, ld(b, ib, sb, q, cb)))
                            .intoMemorySegment(out, (io + q) * 8, NO);
                }
            }
            case TANH_BACKWARD -> {
                for (; q <= end; q += L64) {
                    DoubleVector y = ld(b, ib, sb, q, cb);
                    ld(a, ia, sa, q, ca).mul(y.mul(y).neg().add(1.0)).intoMemorySegment(out, (io + q) * 8, NO);
                }
            }
            case SIGMOID_BACKWARD -> {
                for (; q <= end; q += L64) {
                    DoubleVector y = ld(b, ib, sb, q, cb);
                    ld(a, ia, sa, q, ca).mul(y.mul(y.neg().add(1.0))).intoMemorySegment(out, (io + q) * 8, NO);
                }
            }
            case GELU_BACKWARD -> {
                for (; q <= end; q += L64) {
                    ld(a, ia, sa, q, ca).mul(VecF64.dGelu(ld(b, ib, sb, q, cb))).intoMemorySegment(out, (io + q) * 8, NO);
                }
            }
            case POW -> {
            }
        }
        return q;
    }

    /** The vector at element {@code base + q} (stride 1), or the broadcast {@code c} (stride 0). */
    private static FloatVector ld(MemorySegment m, long base, long stride, long q, FloatVector c) {
        return stride == 0 ? c : FloatVector.fromMemorySegment(VecF32.S, m, (base + q) * 4, NO);
    }

    private static DoubleVector ld(MemorySegment m, long base, long stride, long q, DoubleVector c) {
        return stride == 0 ? c : DoubleVector.fromMemorySegment(VecF64.S, m, (base + q) * 8, NO);
    }
}
