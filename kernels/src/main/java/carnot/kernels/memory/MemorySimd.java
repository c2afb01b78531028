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
        if (rank == 2 && strides[0] == 1 && shape[1] >= 8 && to - from >= 2L * shape[1]) {
            transpose(t, src, shape[0], shape[1], strides[1], offset, dst, dstOff, from, to);
            return;
        }
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

    /** Tile edge of {@link #transpose}: a tile of source columns and destination rows stays in L1. */
    private static final int TILE = 32;

    /**
     * {@code dst[dstOff + i cols + j] = src[offset + i + j ld]} for output elements [from, to) of a
     * {@code rows x cols} transposed read: whole output rows go tile by tile (reads along i contiguous, writes
     * within one tile of rows); the partial first and last rows use the reference. Bit copies, so exact.
     */
    private static void transpose(DType t, MemorySegment src, long rows, long cols, long ld, long offset,
                                  MemorySegment dst, long dstOff, long from, long to) {
        long r0 = (from + cols - 1) / cols;
        long r1 = to / cols;
        int[] shape = {(int) rows, (int) cols};
        long[] strides = {1, ld};
        MemoryRef.copyStrided(t, src, shape, strides, offset, dst, dstOff, from, Math.min(to, r0 * cols));
        int w = t.bytes();
        for (long ib = r0; ib < r1; ib += TILE) {
            long ie = Math.min(ib + TILE, r1);
            for (long jb = 0; jb < cols; jb += TILE) {
                long je = Math.min(jb + TILE, cols);
                for (long j = jb; j < je; j++) {
                    long s0 = offset + j * ld;
                    for (long i = ib; i < ie; i++) {
                        long so = (s0 + i) * w;
                        long d = (dstOff + i * cols + j) * w;
                        if (w == 8) {
                            dst.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, d,
                                    src.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, so));
                        } else {
                            dst.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, d,
                                    src.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, so));
                        }
                    }
                }
            }
        }
        MemoryRef.copyStrided(t, src, shape, strides, offset, dst, dstOff, Math.max(from, r1 * cols), to);
    }
}
