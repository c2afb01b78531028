package carnot.kernels.elementwise;

import carnot.kernels.Binary;
import carnot.kernels.DType;
import carnot.kernels.Elem;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * One vector loop per binary op and dtype, each its own method reached through a per-op {@link Loop} object (as
 * {@link UnaryLoops}). One method holding every op's loop was a single 86 KB compilation unit: C2 needed 0.6–2.7 s
 * per compilation on the start-up path of a fresh process, recompiled all of it whenever a run reached an op for
 * the first time, and held the one C2 compiler thread of a 2-core host meanwhile. Separate methods compile in
 * milliseconds, only for the ops a program uses. A loop covers whole vectors of a run
 * {@code out[io + q] = op(a[ia + q sa], b[ib + q sb])} with operand strides 0 (broadcast) or 1, and returns how
 * many elements it covered; the caller finishes the tail with {@link ElementwiseRef#binaryRun}.
 */
final class BinaryLoops {
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final int L32 = VecF32.S.length();
    private static final int L64 = VecF64.S.length();

    /** The vector part of one run; returns how many elements it covered. */
    @FunctionalInterface
    interface Loop {
        long run(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb, MemorySegment out, long io,
                 long len);
    }

    private static final Loop[] F32 = new Loop[Binary.values().length];
    private static final Loop[] F64 = new Loop[Binary.values().length];

    static {
        F32[Binary.ADD.ordinal()] = BinaryLoops::add32;
        F64[Binary.ADD.ordinal()] = BinaryLoops::add64;
        F32[Binary.SUB.ordinal()] = BinaryLoops::sub32;
        F64[Binary.SUB.ordinal()] = BinaryLoops::sub64;
        F32[Binary.MUL.ordinal()] = BinaryLoops::mul32;
        F64[Binary.MUL.ordinal()] = BinaryLoops::mul64;
        F32[Binary.DIV.ordinal()] = BinaryLoops::div32;
        F64[Binary.DIV.ordinal()] = BinaryLoops::div64;
        F32[Binary.MAX.ordinal()] = BinaryLoops::max32;
        F64[Binary.MAX.ordinal()] = BinaryLoops::max64;
        F32[Binary.MIN.ordinal()] = BinaryLoops::min32;
        F64[Binary.MIN.ordinal()] = BinaryLoops::min64;
        F32[Binary.GT.ordinal()] = BinaryLoops::gt32;
        F64[Binary.GT.ordinal()] = BinaryLoops::gt64;
        F32[Binary.GE.ordinal()] = BinaryLoops::ge32;
        F64[Binary.GE.ordinal()] = BinaryLoops::ge64;
        F32[Binary.EQ.ordinal()] = BinaryLoops::eq32;
        F64[Binary.EQ.ordinal()] = BinaryLoops::eq64;
        F32[Binary.TANH_BACKWARD.ordinal()] = BinaryLoops::tanhBackward32;
        F64[Binary.TANH_BACKWARD.ordinal()] = BinaryLoops::tanhBackward64;
    }

    private BinaryLoops() {
    }

    /** The f32 loop of op, or null when op has no vector form (POW). */
    static Loop f32(Binary op) {
        return F32[op.ordinal()];
    }

    /** The f64 loop of op, or null when op has no vector form (POW). */
    static Loop f64(Binary op) {
        return F64[op.ordinal()];
    }

    private static long add32(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        FloatVector ca = FloatVector.broadcast(VecF32.S, (float) Elem.get(a, DType.F32, ia));
        FloatVector cb = FloatVector.broadcast(VecF32.S, (float) Elem.get(b, DType.F32, ib));
        long q = 0;
        for (long end = len - L32; q <= end; q += L32) {
            FloatVector va = ld(a, ia, sa, q, ca);
            FloatVector vb = ld(b, ib, sb, q, cb);
            va.add(vb).intoMemorySegment(out, (io + q) * 4, NO);
        }
        return q;
    }

    private static long add64(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        DoubleVector ca = DoubleVector.broadcast(VecF64.S, Elem.get(a, DType.F64, ia));
        DoubleVector cb = DoubleVector.broadcast(VecF64.S, Elem.get(b, DType.F64, ib));
        long q = 0;
        for (long end = len - L64; q <= end; q += L64) {
            DoubleVector va = ld(a, ia, sa, q, ca);
            DoubleVector vb = ld(b, ib, sb, q, cb);
            va.add(vb).intoMemorySegment(out, (io + q) * 8, NO);
        }
        return q;
    }

    private static long sub32(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        FloatVector ca = FloatVector.broadcast(VecF32.S, (float) Elem.get(a, DType.F32, ia));
        FloatVector cb = FloatVector.broadcast(VecF32.S, (float) Elem.get(b, DType.F32, ib));
        long q = 0;
        for (long end = len - L32; q <= end; q += L32) {
            FloatVector va = ld(a, ia, sa, q, ca);
            FloatVector vb = ld(b, ib, sb, q, cb);
            va.sub(vb).intoMemorySegment(out, (io + q) * 4, NO);
        }
        return q;
    }

    private static long sub64(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        DoubleVector ca = DoubleVector.broadcast(VecF64.S, Elem.get(a, DType.F64, ia));
        DoubleVector cb = DoubleVector.broadcast(VecF64.S, Elem.get(b, DType.F64, ib));
        long q = 0;
        for (long end = len - L64; q <= end; q += L64) {
            DoubleVector va = ld(a, ia, sa, q, ca);
            DoubleVector vb = ld(b, ib, sb, q, cb);
            va.sub(vb).intoMemorySegment(out, (io + q) * 8, NO);
        }
        return q;
    }

    private static long mul32(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        FloatVector ca = FloatVector.broadcast(VecF32.S, (float) Elem.get(a, DType.F32, ia));
        FloatVector cb = FloatVector.broadcast(VecF32.S, (float) Elem.get(b, DType.F32, ib));
        long q = 0;
        for (long end = len - L32; q <= end; q += L32) {
            FloatVector va = ld(a, ia, sa, q, ca);
            FloatVector vb = ld(b, ib, sb, q, cb);
            va.mul(vb).intoMemorySegment(out, (io + q) * 4, NO);
        }
        return q;
    }

    private static long mul64(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        DoubleVector ca = DoubleVector.broadcast(VecF64.S, Elem.get(a, DType.F64, ia));
        DoubleVector cb = DoubleVector.broadcast(VecF64.S, Elem.get(b, DType.F64, ib));
        long q = 0;
        for (long end = len - L64; q <= end; q += L64) {
            DoubleVector va = ld(a, ia, sa, q, ca);
            DoubleVector vb = ld(b, ib, sb, q, cb);
            va.mul(vb).intoMemorySegment(out, (io + q) * 8, NO);
        }
        return q;
    }

    private static long div32(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        FloatVector ca = FloatVector.broadcast(VecF32.S, (float) Elem.get(a, DType.F32, ia));
        FloatVector cb = FloatVector.broadcast(VecF32.S, (float) Elem.get(b, DType.F32, ib));
        long q = 0;
        for (long end = len - L32; q <= end; q += L32) {
            FloatVector va = ld(a, ia, sa, q, ca);
            FloatVector vb = ld(b, ib, sb, q, cb);
            va.div(vb).intoMemorySegment(out, (io + q) * 4, NO);
        }
        return q;
    }

    private static long div64(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        DoubleVector ca = DoubleVector.broadcast(VecF64.S, Elem.get(a, DType.F64, ia));
        DoubleVector cb = DoubleVector.broadcast(VecF64.S, Elem.get(b, DType.F64, ib));
        long q = 0;
        for (long end = len - L64; q <= end; q += L64) {
            DoubleVector va = ld(a, ia, sa, q, ca);
            DoubleVector vb = ld(b, ib, sb, q, cb);
            va.div(vb).intoMemorySegment(out, (io + q) * 8, NO);
        }
        return q;
    }

    private static long max32(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        FloatVector ca = FloatVector.broadcast(VecF32.S, (float) Elem.get(a, DType.F32, ia));
        FloatVector cb = FloatVector.broadcast(VecF32.S, (float) Elem.get(b, DType.F32, ib));
        long q = 0;
        for (long end = len - L32; q <= end; q += L32) {
            FloatVector va = ld(a, ia, sa, q, ca);
            FloatVector vb = ld(b, ib, sb, q, cb);
            va.max(vb).intoMemorySegment(out, (io + q) * 4, NO);
        }
        return q;
    }

    private static long max64(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        DoubleVector ca = DoubleVector.broadcast(VecF64.S, Elem.get(a, DType.F64, ia));
        DoubleVector cb = DoubleVector.broadcast(VecF64.S, Elem.get(b, DType.F64, ib));
        long q = 0;
        for (long end = len - L64; q <= end; q += L64) {
            DoubleVector va = ld(a, ia, sa, q, ca);
            DoubleVector vb = ld(b, ib, sb, q, cb);
            va.max(vb).intoMemorySegment(out, (io + q) * 8, NO);
        }
        return q;
    }

    private static long min32(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        FloatVector ca = FloatVector.broadcast(VecF32.S, (float) Elem.get(a, DType.F32, ia));
        FloatVector cb = FloatVector.broadcast(VecF32.S, (float) Elem.get(b, DType.F32, ib));
        long q = 0;
        for (long end = len - L32; q <= end; q += L32) {
            FloatVector va = ld(a, ia, sa, q, ca);
            FloatVector vb = ld(b, ib, sb, q, cb);
            va.min(vb).intoMemorySegment(out, (io + q) * 4, NO);
        }
        return q;
    }

    private static long min64(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        DoubleVector ca = DoubleVector.broadcast(VecF64.S, Elem.get(a, DType.F64, ia));
        DoubleVector cb = DoubleVector.broadcast(VecF64.S, Elem.get(b, DType.F64, ib));
        long q = 0;
        for (long end = len - L64; q <= end; q += L64) {
            DoubleVector va = ld(a, ia, sa, q, ca);
            DoubleVector vb = ld(b, ib, sb, q, cb);
            va.min(vb).intoMemorySegment(out, (io + q) * 8, NO);
        }
        return q;
    }

    private static long gt32(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        FloatVector ca = FloatVector.broadcast(VecF32.S, (float) Elem.get(a, DType.F32, ia));
        FloatVector cb = FloatVector.broadcast(VecF32.S, (float) Elem.get(b, DType.F32, ib));
        FloatVector zero = FloatVector.zero(VecF32.S);
        long q = 0;
        for (long end = len - L32; q <= end; q += L32) {
            FloatVector va = ld(a, ia, sa, q, ca);
            FloatVector vb = ld(b, ib, sb, q, cb);
            zero.blend(1f, va.compare(VectorOperators.GT, vb)).intoMemorySegment(out, (io + q) * 4, NO);
        }
        return q;
    }

    private static long gt64(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        DoubleVector ca = DoubleVector.broadcast(VecF64.S, Elem.get(a, DType.F64, ia));
        DoubleVector cb = DoubleVector.broadcast(VecF64.S, Elem.get(b, DType.F64, ib));
        DoubleVector zero = DoubleVector.zero(VecF64.S);
        long q = 0;
        for (long end = len - L64; q <= end; q += L64) {
            DoubleVector va = ld(a, ia, sa, q, ca);
            DoubleVector vb = ld(b, ib, sb, q, cb);
            zero.blend(1.0, va.compare(VectorOperators.GT, vb)).intoMemorySegment(out, (io + q) * 8, NO);
        }
        return q;
    }

    private static long ge32(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        FloatVector ca = FloatVector.broadcast(VecF32.S, (float) Elem.get(a, DType.F32, ia));
        FloatVector cb = FloatVector.broadcast(VecF32.S, (float) Elem.get(b, DType.F32, ib));
        FloatVector zero = FloatVector.zero(VecF32.S);
        long q = 0;
        for (long end = len - L32; q <= end; q += L32) {
            FloatVector va = ld(a, ia, sa, q, ca);
            FloatVector vb = ld(b, ib, sb, q, cb);
            zero.blend(1f, va.compare(VectorOperators.GE, vb)).intoMemorySegment(out, (io + q) * 4, NO);
        }
        return q;
    }

    private static long ge64(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        DoubleVector ca = DoubleVector.broadcast(VecF64.S, Elem.get(a, DType.F64, ia));
        DoubleVector cb = DoubleVector.broadcast(VecF64.S, Elem.get(b, DType.F64, ib));
        DoubleVector zero = DoubleVector.zero(VecF64.S);
        long q = 0;
        for (long end = len - L64; q <= end; q += L64) {
            DoubleVector va = ld(a, ia, sa, q, ca);
            DoubleVector vb = ld(b, ib, sb, q, cb);
            zero.blend(1.0, va.compare(VectorOperators.GE, vb)).intoMemorySegment(out, (io + q) * 8, NO);
        }
        return q;
    }

    private static long eq32(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        FloatVector ca = FloatVector.broadcast(VecF32.S, (float) Elem.get(a, DType.F32, ia));
        FloatVector cb = FloatVector.broadcast(VecF32.S, (float) Elem.get(b, DType.F32, ib));
        FloatVector zero = FloatVector.zero(VecF32.S);
        long q = 0;
        for (long end = len - L32; q <= end; q += L32) {
            FloatVector va = ld(a, ia, sa, q, ca);
            FloatVector vb = ld(b, ib, sb, q, cb);
            zero.blend(1f, va.compare(VectorOperators.EQ, vb)).intoMemorySegment(out, (io + q) * 4, NO);
        }
        return q;
    }

    private static long eq64(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        DoubleVector ca = DoubleVector.broadcast(VecF64.S, Elem.get(a, DType.F64, ia));
        DoubleVector cb = DoubleVector.broadcast(VecF64.S, Elem.get(b, DType.F64, ib));
        DoubleVector zero = DoubleVector.zero(VecF64.S);
        long q = 0;
        for (long end = len - L64; q <= end; q += L64) {
            DoubleVector va = ld(a, ia, sa, q, ca);
            DoubleVector vb = ld(b, ib, sb, q, cb);
            zero.blend(1.0, va.compare(VectorOperators.EQ, vb)).intoMemorySegment(out, (io + q) * 8, NO);
        }
        return q;
    }

    private static long tanhBackward32(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        FloatVector ca = FloatVector.broadcast(VecF32.S, (float) Elem.get(a, DType.F32, ia));
        FloatVector cb = FloatVector.broadcast(VecF32.S, (float) Elem.get(b, DType.F32, ib));
        long q = 0;
        for (long end = len - L32; q <= end; q += L32) {
            FloatVector va = ld(a, ia, sa, q, ca);
            FloatVector vb = ld(b, ib, sb, q, cb);
            va.mul(vb.mul(vb).neg().add(1f)).intoMemorySegment(out, (io + q) * 4, NO);
        }
        return q;
    }

    private static long tanhBackward64(MemorySegment a, long ia, long sa, MemorySegment b, long ib, long sb,
                              MemorySegment out, long io, long len) {
        DoubleVector ca = DoubleVector.broadcast(VecF64.S, Elem.get(a, DType.F64, ia));
        DoubleVector cb = DoubleVector.broadcast(VecF64.S, Elem.get(b, DType.F64, ib));
        long q = 0;
        for (long end = len - L64; q <= end; q += L64) {
            DoubleVector va = ld(a, ia, sa, q, ca);
            DoubleVector vb = ld(b, ib, sb, q, cb);
            va.mul(vb.mul(vb).neg().add(1.0)).intoMemorySegment(out, (io + q) * 8, NO);
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
