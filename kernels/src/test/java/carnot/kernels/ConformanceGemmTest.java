package carnot.kernels;

import carnot.kernels.cuda.CudaBackend;
import carnot.kernels.cuda.EmulatedLauncher;
import carnot.kernels.gemm.GemmPrecision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The conformance harness for the BLAS/LAPACK families: GEMM (all transposes, non-square, padded leading
 * dimensions, offsets, beta = 0 over NaN, beta != 0, an empty inner extent k = 0, long k: CUDA split-K, also with
 * a short last slice), batched GEMM (shared operand via stride 0) and the
 * symmetric eigensolver, on every backend of {@link Backends#againstReference()} against {@link RefBackend}.
 * GEMM elements must lie within {@code (gamma_(K+2)(dtype) + gamma_(K+2)(f64) + u) S_ij} of the oracle's, with
 * {@code S = |alpha| |A| |B| + |beta| |C0|} computed in f64 from the stored inputs ({@link RoundingBound}): the
 * worst-case bound that holds for every OpenBLAS kernel family and thread split.
 *
 * <p>The CUDA GEMM variants beyond the default entry: the tensor-core f32 modes ({@link GemmPrecision#TF32},
 * {@link GemmPrecision#BF16}: the oracle is the reference on operands rounded as the mode rounds them, within
 * {@link RoundingBound#tensorCoreVersusReference}) and the pre-Ampere kernels (the emulation reporting compute
 * capability 7.5 runs the SIMT f64 kernel instead of DMMA), on cuda-emu and, when the harness runs on a GPU
 * ({@code -Dcarnot.test.backends=cuda}), on the GPU. Shapes cover tile tails for the 128 x 128, 128 x 64 and 64 x 64
 * tiles (1, 7, 33, 65, tile +- 1), k tails of the 8/16-wide k steps, split-K (k >= 1024 with few tiles), batches.
 */
class ConformanceGemmTest {
    static final int[][] MNK = {{1, 1, 1}, {7, 7, 7}, {33, 7, 65}, {65, 33, 7}, {7, 65, 33}, {130, 129, 131},
        {9, 301, 203}, {33, 40, 4099}, {7, 65, 1030}, {70, 130, 17}, {5, 64, 0}, {20, 70, 1500}, {65, 33, 300},
        {127, 63, 9}};

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        return ConformanceTest.cases();
    }

    /** One GEMM for every transpose pair, shape, and beta in {0 over NaN, 0.5}, with padding and offsets. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void gemm(Backends.Entry e, DType dt) {
        try (Fixture f = new Fixture(e, dt, 21)) {
            checkGemm(f);
        }
    }

    /**
     * Every shape, transpose pair and beta, twice: with odd offsets and leading dimensions (element-wise loads), and
     * with every operand 16-byte aligned and leading dimensions multiples of 4 (the vector paths of interior tiles).
     */
    static void checkGemm(Fixture f) {
        DType dt = f.dt;
        for (boolean aligned : new boolean[]{false, true}) {
            int offA = aligned ? 4 : 5;
            int offB = aligned ? 8 : 2;
            for (int[] s : MNK) {
                int m = s[0], n = s[1], k = s[2];
                for (int tr = 0; tr < 4; tr++) {
                    boolean ta = (tr & 1) != 0;
                    boolean tb = (tr & 2) != 0;
                    int lda = aligned ? up4(ta ? m : k) + 4 : (ta ? m : k) + 3;
                    int ldb = aligned ? up4(tb ? k : n) : (tb ? k : n) + 1;
                    int ldc = aligned ? up4(n) + 4 : n + 2;
                    Buffer[] a = f.pair(f.normal(offA + (ta ? k : m) * lda));
                    Buffer[] b = f.pair(f.normal(offB + (tb ? n : k) * ldb));
                    for (double beta : new double[]{0, 0.5}) {
                        double[] c0 = beta == 0 ? nan(4 + m * ldc) : f.normal(4 + m * ldc);
                        Buffer[] c = f.pair(c0);
                        f.be.gemm(ta, tb, m, n, k, 1.25, a[0], offA, lda, b[0], offB, ldb, beta, c[0], 4, ldc);
                        f.ref.gemm(ta, tb, m, n, k, 1.25, a[1], offA, lda, b[1], offB, ldb, beta, c[1], 4, ldc);
                        double[] got = HostData.toDoubles(c[0]);
                        double[] want = HostData.toDoubles(c[1]);
                        if (beta == 0) {
                            blankPadding(got, want, m, n, ldc);
                        }
                        double[] mag = RoundingBound.gemmMagnitude(ta, tb, m, n, k, 1.25, HostData.toDoubles(a[1]),
                                offA, lda, HostData.toDoubles(b[1]), offB, ldb, beta, rounded(f, c0), 4, ldc,
                                c0.length);
                        RoundingBound.assertWithin(f.where("gemm", m + "x" + n + "x" + k + (ta ? " A^T" : "")
                                + (tb ? " B^T" : "") + " beta " + beta + (aligned ? " aligned" : "")), got, want,
                                RoundingBound.scaled(mag, RoundingBound.versusReference(dt, k)));
                    }
                }
            }
        }
    }

    /** n rounded up to a multiple of 4 (at least 4: a leading dimension). */
    static int up4(int n) {
        return Math.max(4, (n + 3) / 4 * 4);
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
        try (Fixture f = new Fixture(e, dt, 22)) {
            checkGemmBatched(f);
        }
    }

    static void checkGemmBatched(Fixture f) {
        DType dt = f.dt;
        // {m, n, k, batch[, A's stride minus m k]}: odd strides (element-wise loads), and aligned ones (vectors)
        int[][] cases = {{7, 33, 5, 4}, {1, 1, 1, 3}, {70, 65, 66, 2}, {16, 16, 16, 9}, {9, 130, 300, 1},
            {130, 68, 40, 3, 0}};
        for (int[] s : cases) {
            int m = s[0], n = s[1], k = s[2], batch = s[3];
            for (int tr = 0; tr < 4; tr++) {
                boolean ta = (tr & 1) != 0;
                boolean tb = (tr & 2) != 0;
                int lda = ta ? m : k;
                int ldb = tb ? k : n;
                long sa = (long) m * k + (s.length > 4 ? s[4] : 1);
                int offA = s.length > 4 ? 4 : 3;
                Buffer[] a = f.pair(f.normal((int) (offA + sa * batch)));
                Buffer[] b = f.pair(f.normal(k * n));
                double[] c0 = f.normal(m * n * batch);
                Buffer[] c = f.pair(c0);
                f.be.gemmBatched(ta, tb, m, n, k, 0.5, a[0], offA, lda, sa, b[0], 0, ldb, 0, 2, c[0], 0, n,
                        (long) m * n, batch);
                f.ref.gemmBatched(ta, tb, m, n, k, 0.5, a[1], offA, lda, sa, b[1], 0, ldb, 0, 2, c[1], 0, n,
                        (long) m * n, batch);
                double[] ha = HostData.toDoubles(a[1]);
                double[] hb = HostData.toDoubles(b[1]);
                double[] bound = new double[m * n * batch];
                for (int q = 0; q < batch; q++) {
                    double[] sq = RoundingBound.gemmMagnitude(ta, tb, m, n, k, 0.5, ha, (int) (offA + q * sa), lda,
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

    /**
     * A CUDA backend variant with the GEMM in a given mode (or on a given emulated architecture); {@code module} is
     * the kernel module its f32 GEMMs must run in (null: not checked).
     */
    record Variant(String name, Supplier<Backend> factory, GemmPrecision precision, String module) {
        Backends.Entry entry() {
            return new Backends.Entry(name, factory);
        }
    }

    /**
     * The tensor-core f32 modes on every CUDA entry of the harness: on cuda-emu both kernel generations (compute
     * capability 8.0: the wmma kernels; 9.0: the sm_90a wgmma kernels), and on the GPU when selected.
     */
    static List<Variant> tensorCoreVariants() {
        List<Variant> v = new ArrayList<>();
        for (Backends.Entry e : Backends.againstReference()) {
            for (GemmPrecision p : new GemmPrecision[]{GemmPrecision.TF32, GemmPrecision.BF16}) {
                if (e.name().equals("cuda-emu")) {
                    for (int cc : new int[]{80, 90}) {
                        v.add(new Variant("cuda-emu sm_" + cc + " " + p, () -> new CudaBackend(
                                new EmulatedLauncher(0, cc), "cuda-emu", () -> new CpuBackend(1), false, p), p,
                                cc == 90 ? "gemm_wgmma" : "gemm_tc"));
                    }
                } else if (e.name().equals(Backends.GPU)) {
                    v.add(new Variant("cuda " + p, () -> CudaBackend.gpu(0, p), p, null));
                }
            }
        }
        return v;
    }

    /**
     * m, n, k of the tensor-core checks: tails of the 128 x 64 (wmma) and 128 x 128 (wgmma) tiles and of the 16- and
     * 32-wide k steps, k = 0, split-K.
     */
    static final int[][] TC_MNK = {{1, 1, 1}, {7, 7, 7}, {33, 7, 65}, {65, 33, 15}, {130, 129, 17}, {127, 63, 33},
        {127, 63, 9}, {129, 65, 16}, {5, 64, 0}, {9, 70, 1100}};

    /** The operands as the mode rounds them before the tensor cores (TF32: ties away; BF16: ties to even). */
    static double[] roundFor(GemmPrecision p, double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            float x = (float) v[i];
            r[i] = p == GemmPrecision.TF32 ? RoundingBound.roundMantissa(x, 10, true)
                    : RoundingBound.roundMantissa(x, 7, false);
        }
        return r;
    }

    /**
     * TF32 and BF16 GEMMs (all transposes, beta 0 over NaN and 0.5, odd and aligned layouts, a strided batch with a
     * shared B) against the reference run on the rounded operands, within {@link RoundingBound#tensorCoreVersusReference}
     * of S computed from the rounded operands. To show that the bound can fail, each mode must also be
     * <i>outside</i> the exact-f32 bound of the unrounded product for some elements (its operands really are rounded).
     */
    @Test
    void gemmTensorCoreModes() {
        List<Variant> variants = tensorCoreVariants();
        assumeTrue(!variants.isEmpty(), "no CUDA backend among " + Backends.againstReference());
        for (Variant v : variants) {
            try (Fixture f = new Fixture(v.entry(), DType.F32, 24)) {
                int visiblyRounded = 0;
                for (boolean aligned : new boolean[]{false, true}) {
                    int off = aligned ? 4 : 3;
                    for (int[] s : TC_MNK) {
                        int m = s[0], n = s[1], k = s[2];
                        for (int tr = 0; tr < 4; tr++) {
                            boolean ta = (tr & 1) != 0;
                            boolean tb = (tr & 2) != 0;
                            int lda = aligned ? up4(ta ? m : k) : (ta ? m : k) + 1;
                            int ldb = aligned ? up4(tb ? k : n) + 4 : (tb ? k : n) + 3;
                            int ldc = n + 2;
                            double[] ha = f.normal(off + (ta ? k : m) * lda);
                            double[] hb = f.normal(off + (tb ? n : k) * ldb);
                            double[] ra = roundFor(v.precision(), ha);
                            double[] rb = roundFor(v.precision(), hb);
                            Buffer a = f.keep(HostData.upload(f.be, f.dt, ha));
                            Buffer b = f.keep(HostData.upload(f.be, f.dt, hb));
                            Buffer refA = f.keep(HostData.upload(f.ref, f.dt, ra));
                            Buffer refB = f.keep(HostData.upload(f.ref, f.dt, rb));
                            Buffer exactA = f.keep(HostData.upload(f.ref, f.dt, ha));
                            Buffer exactB = f.keep(HostData.upload(f.ref, f.dt, hb));
                            for (double beta : new double[]{0, 0.5}) {
                                double[] c0 = beta == 0 ? nan(4 + m * ldc) : f.normal(4 + m * ldc);
                                Buffer c = f.keep(HostData.upload(f.be, f.dt, c0));
                                Buffer want = f.keep(HostData.upload(f.ref, f.dt, c0));
                                Buffer exact = f.keep(HostData.upload(f.ref, f.dt, c0));
                                f.be.gemm(ta, tb, m, n, k, 1.25, a, off, lda, b, off, ldb, beta, c, 4, ldc);
                                f.ref.gemm(ta, tb, m, n, k, 1.25, refA, off, lda, refB, off, ldb, beta, want, 4, ldc);
                                f.ref.gemm(ta, tb, m, n, k, 1.25, exactA, off, lda, exactB, off, ldb, beta, exact, 4,
                                        ldc);
                                double[] got = HostData.toDoubles(c);
                                double[] w = HostData.toDoubles(want);
                                double[] x = HostData.toDoubles(exact);
                                if (beta == 0) {
                                    blankPadding(got, w, m, n, ldc);
                                    blankPadding(x.clone(), x, m, n, ldc);
                                }
                                double[] rc0 = rounded(f, c0);
                                double[] mag = RoundingBound.gemmMagnitude(ta, tb, m, n, k, 1.25, ra, off, lda, rb, off,
                                        ldb, beta, rc0, 4, ldc, c0.length);
                                String what = f.where("gemm " + v.precision(), m + "x" + n + "x" + k
                                        + (ta ? " A^T" : "") + (tb ? " B^T" : "") + " beta " + beta
                                        + (aligned ? " aligned" : ""));
                                RoundingBound.assertWithin(what, got, w,
                                        RoundingBound.scaled(mag, RoundingBound.tensorCoreVersusReference(k)));
                                double[] exactMag = RoundingBound.gemmMagnitude(ta, tb, m, n, k, 1.25, rounded(f, ha),
                                        off, lda, rounded(f, hb), off, ldb, beta, rc0, 4, ldc, c0.length);
                                double f32 = RoundingBound.versusReference(DType.F32, k);
                                for (int i = 0; i < got.length; i++) {
                                    if (Math.abs(got[i] - x[i]) > f32 * exactMag[i]) {
                                        visiblyRounded++;
                                    }
                                }
                            }
                        }
                    }
                }
                // a strided batch (A stride m k, B shared), aligned: the batched launch uses the tensor-core kernel
                int m = 70, n = 66, k = 40, batch = 3;
                double[] ha = f.normal(m * k * batch);
                double[] hb = f.normal(k * n);
                double[] c0 = f.normal(m * n * batch);
                Buffer a = f.keep(HostData.upload(f.be, f.dt, ha));
                Buffer b = f.keep(HostData.upload(f.be, f.dt, hb));
                Buffer c = f.keep(HostData.upload(f.be, f.dt, c0));
                double[] ra = roundFor(v.precision(), ha);
                double[] rb = roundFor(v.precision(), hb);
                Buffer want = f.keep(HostData.upload(f.ref, f.dt, c0));
                f.be.gemmBatched(false, true, m, n, k, 0.5, a, 0, k, (long) m * k, b, 0, k, 0, 2, c, 0, n,
                        (long) m * n, batch);
                f.ref.gemmBatched(false, true, m, n, k, 0.5, f.keep(HostData.upload(f.ref, f.dt, ra)), 0, k,
                        (long) m * k, f.keep(HostData.upload(f.ref, f.dt, rb)), 0, k, 0, 2, want, 0, n, (long) m * n,
                        batch);
                double[] bound = new double[m * n * batch];
                for (int q = 0; q < batch; q++) {
                    double[] sq = RoundingBound.gemmMagnitude(false, true, m, n, k, 0.5, ra, q * m * k, k, rb, 0, k,
                            2, rounded(f, c0), q * m * n, n, m * n * batch);
                    for (int i = q * m * n; i < (q + 1) * m * n; i++) {
                        bound[i] = sq[i] * RoundingBound.tensorCoreVersusReference(k);
                    }
                }
                RoundingBound.assertWithin(f.where("gemmBatched " + v.precision(), batch + " x " + m + "x" + n + "x"
                        + k + " B^T"), HostData.toDoubles(c), HostData.toDoubles(want), bound);
                assertTrue(visiblyRounded > 0, v.name() + ": no element left the exact-f32 bound, so the operands"
                        + " were not rounded to " + v.precision());
                if (v.module() != null) {
                    java.util.Set<String> ran = ((CudaBackend) f.be).kernelsLaunched();
                    String prefix = v.module() + "/" + v.module() + "_"
                            + v.precision().name().toLowerCase(java.util.Locale.ROOT) + "_";
                    assertTrue(ran.stream().filter(x -> x.startsWith(prefix)).count() == 4, v.name() + " must run the"
                            + " four transpose entries " + prefix + "<ab>; ran " + ran);
                }
            }
        }
    }

    /**
     * The kernels a pre-Ampere GPU runs: the emulation reporting compute capability 7.5 takes the SIMT f64 kernel
     * (not DMMA) through the whole GEMM and batched checks (f32 EXACT is the same SIMT kernel on every device).
     */
    @Test
    void gemmPreAmpereKernels() {
        boolean emu = Backends.againstReference().stream().anyMatch(e -> e.name().equals("cuda-emu"));
        assumeTrue(emu, "cuda-emu is not among " + Backends.againstReference());
        Backends.Entry sm75 = new Backends.Entry("cuda-emu sm_75", () -> new CudaBackend(new EmulatedLauncher(0, 75),
                "cuda-emu", () -> new CpuBackend(1), false));
        try (Fixture f = new Fixture(sm75, DType.F64, 25)) {
            checkGemm(f);
            checkGemmBatched(f);
        }
    }

    /** A tensor-core mode on a device without tensor cores is refused when the backend is built, naming both. */
    @Test
    void tensorCoreModeNeedsAmpere() {
        boolean emu = Backends.againstReference().stream().anyMatch(e -> e.name().equals("cuda-emu"));
        assumeTrue(emu, "cuda-emu is not among " + Backends.againstReference());
        RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> new CudaBackend(new EmulatedLauncher(1, 75), "cuda-emu", RefBackend::new, false,
                        GemmPrecision.TF32));
        assertTrue(e.getMessage().contains("TF32") && e.getMessage().contains(">= 8.0")
                && e.getMessage().contains("given 7.5"), e.getMessage());
        IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> GemmPrecision.parse("fp16"));
        assertTrue(bad.getMessage().contains("[exact, tf32, bf16]") && bad.getMessage().contains("'fp16'"),
                bad.getMessage());
        assertTrue(GemmPrecision.parse(null) == GemmPrecision.EXACT && GemmPrecision.parse(" Tf32 ")
                == GemmPrecision.TF32);
    }
}
