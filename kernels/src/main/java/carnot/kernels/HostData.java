package carnot.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Moving data between Java arrays and {@link Buffer}s of any backend, through {@link Backend#upload} and
 * {@link Backend#download} (so it works for device buffers too). Float data is converted to the requested dtype
 * on the host (F64 to F32 rounds to nearest).
 */
public final class HostData {
    private HostData() {
    }

    /** A new F64 buffer holding {@code data}. */
    public static Buffer upload(Backend be, double[] data) {
        return upload(be, DType.F64, data);
    }

    /** A new F32 buffer holding {@code data}. */
    public static Buffer upload(Backend be, float[] data) {
        Buffer b = be.alloc(DType.F32, data.length);
        be.upload(MemorySegment.ofArray(data), b, 0, data.length);
        return b;
    }

    /** A new buffer of floating dtype {@code t} holding {@code data} (rounded to F32 when t is F32). */
    public static Buffer upload(Backend be, DType t, double[] data) {
        Buffer b = be.alloc(t, data.length);
        write(b, 0, data);
        return b;
    }

    /** A new I32 buffer holding {@code data}. */
    public static Buffer uploadInts(Backend be, int[] data) {
        Buffer b = be.alloc(DType.I32, data.length);
        be.upload(MemorySegment.ofArray(data), b, 0, data.length);
        return b;
    }

    /** Writes {@code data} into the floating buffer {@code b} from element {@code off}. */
    public static void write(Buffer b, long off, double[] data) {
        Backend be = b.owner();
        switch (b.dtype()) {
            case F64 -> be.upload(MemorySegment.ofArray(data), b, off, data.length);
            case F32 -> {
                float[] f = new float[data.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) data[i];
                }
                be.upload(MemorySegment.ofArray(f), b, off, f.length);
            }
            case I32 -> throw new IllegalArgumentException("HostData.write: buffer must be F32 or F64; given " + b);
        }
    }

    /** All elements of a floating buffer, widened to double. */
    public static double[] toDoubles(Buffer b) {
        return toDoubles(b, 0, checkedLength(b));
    }

    /** Elements {@code [off, off + n)} of a floating buffer, widened to double. */
    public static double[] toDoubles(Buffer b, long off, int n) {
        Backend be = b.owner();
        switch (b.dtype()) {
            case F64 -> {
                double[] d = new double[n];
                be.download(b, off, MemorySegment.ofArray(d), n);
                return d;
            }
            case F32 -> {
                float[] f = new float[n];
                be.download(b, off, MemorySegment.ofArray(f), n);
                double[] d = new double[n];
                for (int i = 0; i < n; i++) {
                    d[i] = f[i];
                }
                return d;
            }
            default -> throw new IllegalArgumentException("HostData.toDoubles: buffer must be F32 or F64; given " + b);
        }
    }

    /** All elements of an F32 buffer. */
    public static float[] toFloats(Buffer b) {
        if (b.dtype() != DType.F32) {
            throw new IllegalArgumentException("HostData.toFloats: buffer must be F32; given " + b);
        }
        float[] f = new float[checkedLength(b)];
        b.owner().download(b, 0, MemorySegment.ofArray(f), f.length);
        return f;
    }

    /** All elements of an I32 buffer. */
    public static int[] toInts(Buffer b) {
        if (b.dtype() != DType.I32) {
            throw new IllegalArgumentException("HostData.toInts: buffer must be I32; given " + b);
        }
        int[] v = new int[checkedLength(b)];
        b.owner().download(b, 0, MemorySegment.ofArray(v), v.length);
        return v;
    }

    private static int checkedLength(Buffer b) {
        if (b.length() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("HostData: buffer must have < 2^31 elements to fit an array; given " + b);
        }
        return (int) b.length();
    }
}
