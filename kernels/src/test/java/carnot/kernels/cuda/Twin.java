package carnot.kernels.cuda;

import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;
import carnot.kernels.HostData;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test helper: the same data in a reference backend and a backend under test, buffers tracked and freed on close,
 * and an element-wise comparison {@code |got - ref| <= atol + rtol |ref|} whose failure names op, dtype, shape, seed.
 */
final class Twin implements AutoCloseable {
    final Backend ref;
    final Backend dut;
    final DType t;
    final long seed;
    final Random rnd;
    private final List<Buffer> owned = new ArrayList<>();

    /** A pair of equal buffers. */
    record Pair(Buffer r, Buffer d) {
    }

    Twin(Backend ref, Backend dut, DType t, long seed) {
        this.ref = ref;
        this.dut = dut;
        this.t = t;
        this.seed = seed;
        this.rnd = new Random(seed);
    }

    /** Uniform data in [lo, hi), rounded to the dtype, in both backends. */
    Pair random(int n, double lo, double hi) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * rnd.nextDouble();
        }
        return of(v);
    }

    Pair of(double[] v) {
        Buffer r = HostData.upload(ref, t, v);
        Buffer d = HostData.upload(dut, t, v);
        owned.add(r);
        owned.add(d);
        return new Pair(r, d);
    }

    Pair ints(int[] v) {
        Buffer r = HostData.uploadInts(ref, v);
        Buffer d = HostData.uploadInts(dut, v);
        owned.add(r);
        owned.add(d);
        return new Pair(r, d);
    }

    Pair zeros(int n) {
        Buffer r = ref.alloc(t, n);
        Buffer d = dut.alloc(t, n);
        owned.add(r);
        owned.add(d);
        return new Pair(r, d);
    }

    /** Tolerances per dtype: f32 (atol 1e-5, rtol 1e-4) scaled by {@code scale}; f64 (1e-12, 1e-11). */
    void check(String what, Pair p, double scale) {
        double atol = (t == DType.F32 ? 1e-5 : 1e-12) * scale;
        double rtol = (t == DType.F32 ? 1e-4 : 1e-11) * scale;
        double[] r = HostData.toDoubles(p.r());
        double[] d = HostData.toDoubles(p.d());
        for (int i = 0; i < r.length; i++) {
            boolean same = Double.compare(r[i], d[i]) == 0 || (Double.isNaN(r[i]) && Double.isNaN(d[i]));
            if (!same && !(Math.abs(d[i] - r[i]) <= atol + rtol * Math.abs(r[i]))) {
                fail(what + " on " + dut.name() + " " + t + " seed " + seed + ": element " + i + " of " + r.length
                        + " is " + d[i] + ", reference " + r[i]);
            }
        }
        assertTrue(r.length == d.length);
    }

    void check(String what, Pair p) {
        check(what, p, 1);
    }

    @Override
    public void close() {
        for (Buffer b : owned) {
            b.close();
        }
    }
}
