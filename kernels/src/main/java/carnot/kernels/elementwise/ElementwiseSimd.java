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

    /** One run {@code out[io + q] = op(a[ia + q sa], b[ib + q sb])}, q &lt; len. */
    static void run(Binary op, DType t, MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                    MemorySegment out, long io, long len) {
        long q = 0;
        if (op != Binary.POW && (sa == 0 || sa == 1) && (sb == 0 || sb == 1)) {
            if (t == DType.F32) {
                FloatVector ca = FloatVector.broadcast(VecF32.S, (float) Elem.get(a, t, ia));
                FloatVector cb = FloatVector.broadcast(VecF32.S, (float) Elem.get(b, t, ib));
                for (; q + L32 <= len; q += L32) {
                    FloatVector va = sa == 0 ? ca : FloatVector.fromMemorySegment(VecF32.S, a, (ia + q) * 4, NO);
                    FloatVector vb = sb == 0 ? cb : FloatVector.fromMemorySegment(VecF32.S, b, (ib + q) * 4, NO);
                    apply32(op, va, vb).intoMemorySegment(out, (io + q) * 4, NO);
                }
            } else {
                DoubleVector ca = DoubleVector.broadcast(VecF64.S, Elem.get(a, t, ia));
                DoubleVector cb = DoubleVector.broadcast(VecF64.S, Elem.get(b, t, ib));
                for (; q + L64 <= len; q += L64) {
                    DoubleVector va = sa == 0 ? ca : DoubleVector.fromMemorySegment(VecF64.S, a, (ia + q) * 8, NO);
                    DoubleVector vb = sb == 0 ? cb : DoubleVector.fromMemorySegment(VecF64.S, b, (ib + q) * 8, NO);
                    apply64(op, va, vb).intoMemorySegment(out, (io + q) * 8, NO);
                }
            }
        }
        ElementwiseRef.binaryRun(op, t, a, ia + q * sa, sa, b, ib + q * sb, sb, out, io + q, len - q);
    }

    private static FloatVector apply32(Binary op, FloatVector a, FloatVector b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case MAX -> a.max(b);
            case MIN -> a.min(b);
            case GT -> FloatVector.zero(VecF32.S).blend(1f, a.compare(VectorOperators.GT, b));
            case GE -> FloatVector.zero(VecF32.S).blend(1f, a.compare(VectorOperators.GE, b));
            case EQ -> FloatVector.zero(VecF32.S).blend(1f, a.compare(VectorOperators.EQ, b));
            case TANH_BACKWARD -> a.mul(b.mul(b).neg().add(1f));
            case POW -> throw new IllegalStateException("POW has no vector form");
        };
    }

    private static DoubleVector apply64(Binary op, DoubleVector a, DoubleVector b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case MAX -> a.max(b);
            case MIN -> a.min(b);
            case GT -> DoubleVector.zero(VecF64.S).blend(1.0, a.compare(VectorOperators.GT, b));
            case GE -> DoubleVector.zero(VecF64.S).blend(1.0, a.compare(VectorOperators.GE, b));
            case EQ -> DoubleVector.zero(VecF64.S).blend(1.0, a.compare(VectorOperators.EQ, b));
            case TANH_BACKWARD -> a.mul(b.mul(b).neg().add(1.0));
            case POW -> throw new IllegalStateException("POW has no vector form");
        };
    }
}
