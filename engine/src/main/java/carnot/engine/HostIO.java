package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.DType;

import java.lang.foreign.MemorySegment;

/** Host transfers of {@link Tensor}: Java arrays in and out of a tensor's buffer (F32 rounded from and widened to double). */
final class HostIO {
    private HostIO() {
    }

    /** Copies {@code data} into the F32 or F64 tensor {@code t} (same size). */
    static void upload(double[] data, Tensor t) {
        Backend be = t.backend();
        if (t.dtype() == DType.F64) {
            be.upload(MemorySegment.ofArray(data), t.buffer(), 0, data.length);
        } else {
            float[] f = new float[data.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) data[i];
            }
            be.upload(MemorySegment.ofArray(f), t.buffer(), 0, f.length);
        }
    }

    /** Copies {@code data} into the I32 tensor {@code t} (same size). */
    static void upload(int[] data, Tensor t) {
        t.backend().upload(MemorySegment.ofArray(data), t.buffer(), 0, data.length);
    }

    /** All elements of {@code t} widened to double (row-major). */
    static double[] doubles(Tensor t) {
        int n = Math.toIntExact(t.size());
        Backend be = t.backend();
        switch (t.dtype()) {
            case F64 -> {
                double[] d = new double[n];
                be.download(t.buffer(), 0, MemorySegment.ofArray(d), n);
                return d;
            }
            case F32 -> {
                float[] f = new float[n];
                be.download(t.buffer(), 0, MemorySegment.ofArray(f), n);
                double[] d = new double[n];
                for (int i = 0; i < n; i++) {
                    d[i] = f[i];
                }
                return d;
            }
            default -> {
                int[] ints = ints(t);
                double[] d = new double[n];
                for (int i = 0; i < n; i++) {
                    d[i] = ints[i];
                }
                return d;
            }
        }
    }

    /** All elements of the I32 tensor {@code t}. */
    static int[] ints(Tensor t) {
        int[] d = new int[Math.toIntExact(t.size())];
        t.backend().download(t.buffer(), 0, MemorySegment.ofArray(d), d.length);
        return d;
    }
}
