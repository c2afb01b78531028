package carnot.kernels.elementwise;

import carnot.kernels.Unary;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * One vector loop per unary op and dtype, each its own method reached through a per-op {@link Loop} object.
 * Keeping every loop a separate compilation root lets the JIT inline the whole polynomial into it; a single
 * method holding all loops exceeds the JIT's inlining budget, and a vector math call left out-of-line boxes its
 * vectors (measured 10x slower). Each loop processes whole vectors from {@code i} and returns where it stopped.
 */
final class UnaryLoops {
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final int L32 = VecF32.S.length();
    private static final int L64 = VecF64.S.length();

    /** A vector loop over whole vectors of [i, to); returns the first element not processed. */
    @FunctionalInterface
    interface Loop {
        long run(MemorySegment x, MemorySegment out, long i, long to);
    }

    private static final Loop[] F32 = new Loop[Unary.values().length];
    private static final Loop[] F64 = new Loop[Unary.values().length];

    static {
        F32[Unary.NEG.ordinal()] = UnaryLoops::neg32;
        F64[Unary.NEG.ordinal()] = UnaryLoops::neg64;
        F32[Unary.ABS.ordinal()] = UnaryLoops::abs32;
        F64[Unary.ABS.ordinal()] = UnaryLoops::abs64;
        F32[Unary.SIGN.ordinal()] = UnaryLoops::sign32;
        F64[Unary.SIGN.ordinal()] = UnaryLoops::sign64;
        F32[Unary.SQUARE.ordinal()] = UnaryLoops::square32;
        F64[Unary.SQUARE.ordinal()] = UnaryLoops::square64;
        F32[Unary.SQRT.ordinal()] = UnaryLoops::sqrt32;
        F64[Unary.SQRT.ordinal()] = UnaryLoops::sqrt64;
        F32[Unary.RSQRT.ordinal()] = UnaryLoops::rsqrt32;
        F64[Unary.RSQRT.ordinal()] = UnaryLoops::rsqrt64;
        F32[Unary.RECIP.ordinal()] = UnaryLoops::recip32;
        F64[Unary.RECIP.ordinal()] = UnaryLoops::recip64;
        F32[Unary.EXP.ordinal()] = UnaryLoops::exp32;
        F64[Unary.EXP.ordinal()] = UnaryLoops::exp64;
        F32[Unary.TANH.ordinal()] = UnaryLoops::tanh32;
        F64[Unary.TANH.ordinal()] = UnaryLoops::tanh64;
        F32[Unary.RELU.ordinal()] = UnaryLoops::relu32;
        F64[Unary.RELU.ordinal()] = UnaryLoops::relu64;
        F32[Unary.GELU.ordinal()] = UnaryLoops::gelu32;
        F64[Unary.GELU.ordinal()] = UnaryLoops::gelu64;
        F32[Unary.SIGMOID.ordinal()] = UnaryLoops::sigmoid32;
        F64[Unary.SIGMOID.ordinal()] = UnaryLoops::sigmoid64;
        F32[Unary.SOFTPLUS.ordinal()] = UnaryLoops::softplus32;
        F64[Unary.SOFTPLUS.ordinal()] = UnaryLoops::softplus64;
        F32[Unary.D_TANH.ordinal()] = UnaryLoops::dTanh32;
        F64[Unary.D_TANH.ordinal()] = UnaryLoops::dTanh64;
        F32[Unary.D_RELU.ordinal()] = UnaryLoops::dRelu32;
        F64[Unary.D_RELU.ordinal()] = UnaryLoops::dRelu64;
        F32[Unary.D_GELU.ordinal()] = UnaryLoops::dGelu32;
        F64[Unary.D_GELU.ordinal()] = UnaryLoops::dGelu64;
        F32[Unary.D_SIGMOID.ordinal()] = UnaryLoops::dSigmoid32;
        F64[Unary.D_SIGMOID.ordinal()] = UnaryLoops::dSigmoid64;
        F32[Unary.D_SOFTPLUS.ordinal()] = UnaryLoops::dSoftplus32;
        F64[Unary.D_SOFTPLUS.ordinal()] = UnaryLoops::dSoftplus64;
    }

    private UnaryLoops() {
    }

    /** The f32 loop of op, or null when op has no vector form (LOG). */
    static Loop f32(Unary op) {
        return F32[op.ordinal()];
    }

    /** The f64 loop of op, or null when op has no vector form (LOG). */
    static Loop f64(Unary op) {
        return F64[op.ordinal()];
    }


    private static long neg32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            v.neg().intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long neg64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            v.neg().intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long abs32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            v.abs().intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long abs64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            v.abs().intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long sign32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            VecF32.sign(v).intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long sign64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            VecF64.sign(v).intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long square32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            v.mul(v).intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long square64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            v.mul(v).intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long sqrt32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            v.sqrt().intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long sqrt64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            v.sqrt().intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long rsqrt32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            FloatVector.broadcast(VecF32.S, 1f).div(v.sqrt()).intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long rsqrt64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            DoubleVector.broadcast(VecF64.S, 1.0).div(v.sqrt()).intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long recip32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            FloatVector.broadcast(VecF32.S, 1f).div(v).intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long recip64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            DoubleVector.broadcast(VecF64.S, 1.0).div(v).intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long exp32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            VecF32.exp(v).intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long exp64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            VecF64.exp(v).intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long tanh32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            VecF32.tanh(v).intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long tanh64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            VecF64.tanh(v).intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long relu32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            v.max(0f).intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long relu64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            v.max(0.0).intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long gelu32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            VecF32.gelu(v).intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long gelu64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            VecF64.gelu(v).intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long sigmoid32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            VecF32.sigmoid(v).intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long sigmoid64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            VecF64.sigmoid(v).intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long softplus32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            VecF32.softplus(v).intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long softplus64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            VecF64.softplus(v).intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long dTanh32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            VecF32.dTanh(v).intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long dTanh64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            VecF64.dTanh(v).intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long dRelu32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            FloatVector.zero(VecF32.S).blend(1f, v.compare(VectorOperators.GT, 0f)).intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long dRelu64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            DoubleVector.zero(VecF64.S).blend(1.0, v.compare(VectorOperators.GT, 0.0)).intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long dGelu32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            VecF32.dGelu(v).intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long dGelu64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            VecF64.dGelu(v).intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long dSigmoid32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            VecF32.dSigmoid(v).intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long dSigmoid64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            VecF64.dSigmoid(v).intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }

    private static long dSoftplus32(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L32; i <= end; i += L32) {
            FloatVector v = FloatVector.fromMemorySegment(VecF32.S, x, i * 4, NO);
            VecF32.sigmoid(v).intoMemorySegment(out, i * 4, NO);
        }
        return i;
    }

    private static long dSoftplus64(MemorySegment x, MemorySegment out, long i, long to) {
        for (long end = to - L64; i <= end; i += L64) {
            DoubleVector v = DoubleVector.fromMemorySegment(VecF64.S, x, i * 8, NO);
            VecF64.sigmoid(v).intoMemorySegment(out, i * 8, NO);
        }
        return i;
    }
}
