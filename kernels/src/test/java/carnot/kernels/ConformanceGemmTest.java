package carnot.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conformance harness for the BLAS/LAPACK families: GEMM (all transposes, non-square, padded leading
 * dimensions, offsets, beta = 0 over NaN, beta != 0, an empty inner extent k = 0, long k: CUDA split-K), batched GEMM (shared operand via stride 0) and the
 * symmetric eigensolver, on every backend of {@link Backends#againstReference()} against {@link RefBackend}.
 * GEMM elements must lie within {@code (gamma_(K+2)(dtype) + gamma_(K+2)(f64) + u) S_ij} of the oracle's, with
 * {@code S = |alpha| |A| |B| + |beta| |C0|} computed in f64 from the stored inputs ({@link RoundingBound}): the
 * worst-case bound that holds for every OpenBLAS kernel family and thread split.
 */
class ConformanceGemmTest {
    static final int[][] MNK = {{1, 1, 1}, {7, 7, 7}, {33, 7, 65}, {65, 33, 7}, {7, 65, 33}, {130, 129, 131},
        {9, 301, 203}, {33, 40, 4099}, {7, 65, 1030}, {70, 130, 17}, {5, 64, 0}, {20, 70, 1500}};

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        return ConformanceTest.cases();
    }

    /** One GEMM for every transpose pair, shape, and beta in {0 over NaN, 0.5}, with padding and offsets. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void gemm(Backends.Entry e, DType dt) {
        try (Fixture f = new Fixture(e, dt, 21)) {
            for (int[] s : MNK) {
                int m = s[0], n = s[1], k = s[2];
                for (int tr = 0; tr < 4; tr++) {
                    boolean ta = (tr & 1) != 0;
                    boolean tb = (tr & 2) != 0;
                    int lda = (ta ? m : k) + 3;
                    int ldb = (tb ? k : n) + 1;
                    int ldc = n + 2;
                    Buffer[] a = f.pair(f.normal(5 + (ta ? k : m) * lda));
                    Buffer[] b = f.pair(f.normal(2 + (tb ? n : k) * ldb));
                    for (double beta : new double[]{0, 0.5}) {
                        double[] c0 = beta == 0 ? nan(4 + m * ldc) : f.normal(4 + m * ldc);
                        Buffer[] c = f.pair(c0);
                        f.be.gemm(ta, tb, m, n, k, 1.25, a[0], 5, lda, b[0], 2, ldb, beta, c[0], 4, ldc);
                        f.ref.gemm(ta, tb, m, n, k, 1.25, a[1], 5, lda, b[1], 2, ldb, beta, c[1], 4, ldc);
                        double[] got = HostData.toDoubles(c[0]);
                        double[] want = HostData.toDoubles(c[1]);
                        if (beta == 0) {
                            blankPadding(got, want, m, n, ldc);
                        }
                        double[] mag = RoundingBound.gemmMagnitude(ta, tb, m, n, k, 1.25, HostData.toDoubles(a[1]), 5,
                                lda, HostData.toDoubles(b[1]), 2, ldb, beta, rounded(f, c0), 4, ldc, c0.length);
                        RoundingBound.assertWithin(f.where("gemm", m + "x" + n + "x" + k + (ta ? " A^T" : "")
                                + (tb ? " B^T" : "") + " beta " + beta), got, want,
                                RoundingBound.scaled(mag, RoundingBound.versusReference(dt, k)));
                    }
                }
            }
        }
    }

    /** The host values as the fixture's dtype stores them. */
    private static double[] rounded(Fixture f, double[] v) {
        double[] r = v.clone();
        if (f.dt == DType.F32) {
            for (int i = 0; i < r.length; i++) {
                r[i] = (float) r[i];
            }
        }
        return r;
    }

    private static double[] nan(int n) {
        double[] d = new double[n];
        java.util.Arrays.fill(d, Double.NaN);
        return d;
    }

    /** Elements outside the m x n window (padding, offset) must stay NaN on both; replace them by 0 to compare. */
    private static void blankPadding(double[] got, double[] want, int m, int n, int ldc) {
        for (int i = 0; i < got.length; i++) {
            int r = (i - 4) / ldc;
            int c = (i - 4) % ldc;
            boolean inside = i >= 4 && r < m && c < n;
            if (!inside) {
                assertTrue(Double.isNaN(got[i]) && Double.isNaN(want[i]), "gemm wrote outside C at " + i);
                got[i] = 0;
                want[i] = 0;
            }
        }
    }

    /** Batched GEMM with a shared B (stride 0), offsets, batches split over the pool and a single large product. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void gemmBatched(Backends.Entry e, DType dt) {
        int[][] cases = {{7, 33, 5, 4}, {1, 1, 1, 3}, {70, 65, 66, 2}, {16, 16, 16, 9}, {9, 130, 300, 1}};
        try (Fixture f = new Fixture(e, dt, 22)) {
            for (int[] s : cases) {
                int m = s[0], n = s[1], k = s[2], batch = s[3];
                for (int tr = 0; tr < 4; tr++) {
                    boolean ta = (tr & 1) != 0;
                    boolean tb = (tr & 2) != 0;
                    int lda = ta ? m : k;
                    int ldb = tb ? k : n;
                    long sa = (long) m * k + 1;
                    Buffer[] a = f.pair(f.normal((int) (3 + sa * batch)));
                    Buffer[] b = f.pair(f.normal(k * n));
                    double[] c0 = f.normal(m * n * batch);
                    Buffer[] c = f.pair(c0);
                    f.be.gemmBatched(ta, tb, m, n, k, 0.5, a[0], 3, lda, sa, b[0], 0, ldb, 0, 2, c[0], 0, n,
                            (long) m * n, batch);
                    f.ref.gemmBatched(ta, tb, m, n, k, 0.5, a[1], 3, lda, sa, b[1], 0, ldb, 0, 2, c[1], 0, n,
                            (long) m * n, batch);
                    double[] ha = HostData.toDoubles(a[1]);
                    double[] hb = HostData.toDoubles(b[1]);
                    double[] bound = new double[m * n * batch];
                    for (int q = 0; q < batch; q++) {
                        double[] sq = RoundingBound.gemmMagnitude(ta, tb, m, n, k, 0.5, ha, (int) (3 + q * sa), lda,
                                hb, 0, ldb, 2, rounded(f, c0), q * m * n, n, m * n * batch);
                        for (int i = q * m * n; i < (q + 1) * m * n; i++) {
                            bound[i] = sq[i] * RoundingBound.versusReference(dt, k);
                        }
                    }
                    RoundingBound.assertWithin(f.where("gemmBatched", batch + " x " + m + "x" + n + "x" + k
                            + (ta ? " A^T" : "") + (tb ? " B^T" : "")), HostData.toDoubles(c[0]),
                            HostData.toDoubles(c[1]), bound);
                }
            }
        }
    }

    /**
     * Symmetric eigen: eigenvalues match the reference; the backend's own vectors satisfy A V = V diag(w) and
     * V^T V = I (eigenvector signs are not unique, so they are not compared directly).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void symmetricEigen(Backends.Entry e, DType dt) {
        try (Fixture f = new Fixture(e, dt, 23)) {
            for (int n : new int[]{1, 7, 33}) {
                double[] m = f.normal(n * n);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < i; j++) {
                        m[i * n + j] = m[j * n + i];
                    }
                }
                Buffer[] a = f.pair(m);
                Buffer[] w = f.filled(n, Double.NaN);
                f.be.symmetricEigen(a[0], w[0], n, true);
                f.ref.symmetricEigen(a[1], w[1], n, true);
                double tol = dt == DType.F32 ? 2e-5 * n : 1e-12 * n;
                f.close("symmetricEigen values", n + "x" + n, HostData.toDoubles(w[0]), HostData.toDoubles(w[1]),
                        tol, tol);
                double[] v = HostData.toDoubles(a[0]);
                double[] ev = HostData.toDoubles(w[0]);
                for (int r = 0; r < n; r++) {
                    for (int c = 0; c < n; c++) {
                        double av = 0;
                        double vtv = 0;
                        for (int q = 0; q < n; q++) {
                            av += m[r * n + q] * v[q * n + c];
                            vtv += v[q * n + r] * v[q * n + c];
                        }
                        f.close("symmetricEigen A V = V W", n + "x" + n + " at " + r + "," + c,
                                new double[]{av}, new double[]{ev[c] * v[r * n + c]}, tol * 10, 0);
                        f.close("symmetricEigen V^T V = I", n + "x" + n + " at " + r + "," + c,
                                new double[]{vtv}, new double[]{r == c ? 1 : 0}, tol, 0);
                    }
                }
                Buffer[] a2 = f.pair(m);
                Buffer[] w2 = f.filled(n, Double.NaN);
                f.be.symmetricEigen(a2[0], w2[0], n, false);
                f.close("symmetricEigen values only", n + "x" + n, HostData.toDoubles(w2[0]), HostData.toDoubles(w[1]),
                        tol, tol);
            }
        }
    }
}
