package carnot.kernels.memory;

import carnot.kernels.DType;
import carnot.kernels.Elem;

import java.lang.foreign.MemorySegment;

/**
 * Scalar reference for fill, convert and strided copy over element ranges {@code [from, to)} so that parallel and
 * SIMD backends can call it on chunks and tails. Arguments are assumed validated.
 */
public final class MemoryRef {
    private MemoryRef() {
    }

    /** {@code x[i] = value} for i in [from, to). */
    public static void fill(DType t, MemorySegment x, long from, long to, double value) {
        for (long i = from; i < to; i++) {
            Elem.set(x, t, i, value);
        }
    }

    /** {@code dst[i] = (dt) src[i]} for i in [from, to). */
    public static void convert(DType st, MemorySegment src, DType dt, MemorySegment dst, long from, long to) {
        for (long i = from; i < to; i++) {
            Elem.set(dst, dt, i, Elem.get(src, st, i));
        }
    }

    /**
     * Dense outputs {@code dst[dstOff + i]} for i in [from, to) of the strided gather
     * {@code dst[dense(idx)] = src[offset + sum_d idx_d * strides[d]]} over {@code shape}. Copies raw elements
     * of width {@code t.bytes()} (so it works for I32 too).
     */
    public static void copyStrided(DType t, MemorySegment src, int[] shape, long[] strides, long offset,
                                   MemorySegment dst, long dstOff, long from, long to) {
        int rank = shape.length;
        if (from >= to) {
            return;
        }
        long[] idx = new long[rank];
        long rem = from;
        long pos = offset;
        for (int d = rank - 1; d >= 0; d--) {
            idx[d] = rem % shape[d];
            rem /= shape[d];
            pos += idx[d] * strides[d];
        }
        int w = t.bytes();
        for (long i = from; i < to; i++) {
            MemorySegment.copy(src, pos * w, dst, (dstOff + i) * w, w);
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    pos += strides[d];
                    break;
                }
                pos -= (idx[d] - 1) * strides[d];
                idx[d] = 0;
            }
        }
    }
}
