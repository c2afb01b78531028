package carnot.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Test fixture: a backend under test plus the {@link RefBackend} oracle, seeded random data uploaded to both,
 * and the {@code |got - ref| <= atol + rtol |ref|} comparison whose failure message names op, backend, shape,
 * dtype and seed. Closing frees every buffer it made and both backends.
 */
final class Fixture implements AutoCloseable {
    final Backend be;
    final RefBackend ref = new RefBackend();
    final String backendName;
    final DType dt;
    final long seed;
    private final Random rnd;
    private final List<Buffer> made = new ArrayList<>();

    Fixture(Backends.Entry entry, DType dt, long seed) {
        this.be = entry.factory().get();
        if (be instanceof RefBackend) {
            be.close();
            throw new IllegalArgumentException("backend '" + entry.name() + "' is the RefBackend oracle: comparing it"
                    + " with itself proves nothing; conformance runs over Backends.againstReference()");
        }
        this.backendName = entry.name();
        this.dt = dt;
        this.seed = seed;
        this.rnd = new Random(seed);
    }

    /** n values uniform in [lo, hi). */
    double[] uniform(int n, double lo, double hi) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * rnd.nextDouble();
        }
        return v;
    }

    /** n standard normal values. */
    double[] normal(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextGaussian();
        }
        return v;
    }

    /** n ints in [0, bound). */
    int[] ints(int n, int bound) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextInt(bound);
        }
        return v;
    }

    /** The same data as a buffer on the backend under test [0] and on the reference [1]. */
    Buffer[] pair(double[] data) {
        Buffer a = keep(HostData.upload(be, dt, data));
        Buffer b = keep(HostData.upload(ref, dt, data));
        return new Buffer[]{a, b};
    }

    /** Index data on both backends. */
    Buffer[] pairInts(int[] data) {
        return new Buffer[]{keep(HostData.uploadInts(be, data)), keep(HostData.uploadInts(ref, data))};
    }

    /** A buffer of n copies of {@code v} on both backends. */
    Buffer[] filled(int n, double v) {
        double[] d = new double[n];
        java.util.Arrays.fill(d, v);
        return pair(d);
    }

    Buffer keep(Buffer b) {
        made.add(b);
        return b;
    }

    /** Default absolute tolerance for the dtype (scaled by the caller for long accumulations). */
    double atol() {
        return dt == DType.F32 ? 2e-6 : 1e-13;
    }

    /** Default relative tolerance for the dtype. */
    double rtol() {
        return dt == DType.F32 ? 2e-6 : 1e-13;
    }

    /** Compares the two buffers of {@code p} elementwise with the default tolerances scaled by {@code scale}. */
    void same(String op, String shape, Buffer[] p, double scale) {
        close(op, shape, HostData.toDoubles(p[0]), HostData.toDoubles(p[1]), atol() * scale, rtol() * scale);
    }

    /** Elementwise {@code |got - want| <= atol + rtol |want|}, NaN equal to NaN, infinities equal. */
    void close(String op, String shape, double[] got, double[] want, double atol, double rtol) {
        if (got.length != want.length) {
            throw new AssertionError(where(op, shape) + ": length " + got.length + " != " + want.length);
        }
        for (int i = 0; i < got.length; i++) {
            double g = got[i];
            double w = want[i];
            boolean ok = Double.isNaN(w) ? Double.isNaN(g) : (g == w || Math.abs(g - w) <= atol + rtol * Math.abs(w));
            if (!ok) {
                throw new AssertionError(where(op, shape) + ": element " + i + " got " + g + " want " + w
                        + " (|diff| " + Math.abs(g - w) + " > atol " + atol + " + rtol " + rtol + " * |want|)");
            }
        }
    }

    String where(String op, String shape) {
        return "op " + op + ", backend " + backendName + ", shape " + shape + ", dtype " + dt + ", seed " + seed;
    }

    /**
     * Frees every buffer the fixture made, then requires the backend under test to hold no live buffer (an op that
     * allocates a temporary and never frees it fails here), and closes both backends.
     */
    @Override
    public void close() {
        for (Buffer b : made) {
            b.close();
        }
        int live = liveBuffers(be);
        be.close();
        ref.close();
        if (live != 0) {
            throw new AssertionError("backend " + backendName + " must hold no live buffer once the test's are freed;"
                    + " given " + live + " (dtype " + dt + ", seed " + seed + ")");
        }
    }

    /** Live buffers of the backends that count them (all of {@link Backends}); 0 for others. */
    private static int liveBuffers(Backend b) {
        return switch (b) {
            case CpuBackend c -> c.liveBuffers();
            case carnot.kernels.cuda.CudaBackend c -> c.liveBuffers();
            default -> 0;
        };
    }
}
