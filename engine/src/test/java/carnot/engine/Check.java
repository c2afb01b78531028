package carnot.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test helpers: host-side vector math and relative-error assertions. */
final class Check {
    private Check() {
    }

    static double dot(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("dot: lengths differ " + a.length + " vs " + b.length);
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    /** ||a - b|| / max(||a||, ||b||, floor). */
    static double relErr(double[] a, double[] b, double floor) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ " + a.length + " vs " + b.length);
        }
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(d) / Math.max(floor, Math.max(norm(a), norm(b)));
    }

    static void close(String what, double[] expected, double[] actual, double tol) {
        double e = relErr(expected, actual, 1e-12);
        assertTrue(e <= tol, what + ": relative error " + e + " > " + tol);
    }

    static void close(String what, double expected, double actual, double tol) {
        double e = Math.abs(expected - actual) / Math.max(1e-12, Math.max(Math.abs(expected), Math.abs(actual)));
        assertTrue(e <= tol, what + ": expected " + expected + ", got " + actual + " (relative error " + e + " > " + tol + ")");
    }

    static double[] concat(List<Tensor> ts) {
        var l = new ArrayList<double[]>();
        int n = 0;
        for (Tensor t : ts) {
            double[] d = t.toDoubles();
            l.add(d);
            n += d.length;
        }
        double[] r = new double[n];
        int at = 0;
        for (double[] d : l) {
            System.arraycopy(d, 0, r, at, d.length);
            at += d.length;
        }
        return r;
    }

    /** {@code (f(+h) - f(-h)) / 2h} of a host-valued function of a scalar step. */
    static double[] central(Function<Double, double[]> f, double h) {
        double[] p = f.apply(h);
        double[] m = f.apply(-h);
        double[] r = new double[p.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = (p[i] - m[i]) / (2 * h);
        }
        return r;
    }
}
