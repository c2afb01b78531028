package carnot.kernels.memory;

import carnot.kernels.DType;
import carnot.kernels.elementwise.VecF32;
import carnot.kernels.elementwise.VecF64;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Vectorized fill and row-wise strided copy. Strided copies whose innermost axis has stride 1 copy whole rows
 * with {@link MemorySegment#copy}; other layouts and tails use {@link MemoryRef}.
 */
public final class MemorySimd {
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final int L32 = VecF32.S.length();
    private static final int L64 = VecF64.S.length();

    private MemorySimd() {
    }

    /** {@code x[i] = value} for i in [from, to). */
    public static void fill(DType t, MemorySegment x, long from, long to, double value) {
        long i = from;
        if (t == DType.F32) {
            FloatVector v = FloatVector.broadcast(VecF32.S, (float) value);
            for (; i + L32 <= to; i += L32) {
                v.intoMemorySegment(x, i * 4, NO);
            }
        } else if (t == DType.F64) {
            DoubleVector v = DoubleVector.broadcast(VecF64.S, value);
            for (; i + L64 <= to; i += L64) {
                v.intoMemorySegment(x, i * 8, NO);
            }
        } else {
            x.asSlice(i * 4, (to - i) * 4).fill((byte) 0);
            if (value != 0) {
                for (; i < to; i++) {
                    x.setAtIndex(ValueLayout.JAVA_INT, i, (int) value);
                }
            }
            return;
        }
        MemoryRef.fill(t, x, i, to, value);
    }

    /**
     * Dense outputs {@code [from, to)} of the strided gather (see {@link MemoryRef#copyStrided}); rows along a
     * stride-1 innermost axis are bulk-copied.
     */
    public static void copyStrided(DType t, MemorySegment src, int[] shape, long[] strides, long offset,
                                   MemorySegment dst, long dstOff, long from, long to) {
        int rank = shape.length;
        if (rank == 0 || strides[rank - 1] != 1 || shape[rank - 1] < 8) {
            MemoryRef.copyStrided(t, src, shape, strides, offset, dst, dstOff, from, to);
            return;
        }
        long inner = shape[rank - 1];
        int w = t.bytes();
        long pos = from;
        while (pos < to) {
            long row = pos / inner;
            long col = pos % inner;
            long len = Math.min(inner - col, to - pos);
            long p = offset + col;
            long rem = row;
            for (int d = rank - 2; d >= 0; d--) {
                p += (rem % shape[d]) * strides[d];
                rem /= shape[d];
            }
            MemorySegment.copy(src, p * w, dst, (dstOff + pos) * w, len * w);
            pos += len;
        }
    }
}
