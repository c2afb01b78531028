package carnot.science.spectral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;
import carnot.kernels.HostData;
import carnot.kernels.RefBackend;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** LOBPCG, power iteration, trace estimators, SLQ and the full matrix on dense matrices with known spectra. */
class SolverCoresTest {
    private final Backend be = new RefBackend();

    private Matrices.Dense op(double[] lambda) {
        return new Matrices.Dense(be, DType.F64, Matrices.withSpectrum(lambda, 17));
    }

    /** LOBPCG top-4 and bottom-2 equal the known eigenvalues to 1e-8 relative, using batched products. */
    @Test
    void lobpcgMatchesKnownSpectrum() {
        double[] lambda = Matrices.hessianLike(90, 4);
        for (Which which : new Which[] {Which.LARGEST, Which.SMALLEST}) {
            int k = which == Which.LARGEST ? 4 : 2;
            LanczosCore.Raw raw = LobpcgCore.run(op(lambda), k, which, 1e-9, 5000, 3, null, 0);
            be.free(raw.vectors());
            assertTrue(raw.converged(), which + " converged");
            int[] idx = which.select(lambda, k);
            for (int i = 0; i < k; i++) {
                assertEquals(lambda[idx[i]], raw.values()[i], 1e-8 * 10, which + " " + Arrays.toString(raw.values()));
            }
        }
    }

    /** LOBPCG started from the exact eigenvectors converges after the first Rayleigh-Ritz (k products). */
    @Test
    void lobpcgWarmStartFromEigenvectorsIsImmediate() {
        double[] lambda = Matrices.hessianLike(60, 5);
        Matrices.Dense a = op(lambda);
        LanczosCore.Raw cold = LobpcgCore.run(a, 3, Which.LARGEST, 1e-8, 5000, 3, null, 0);
        LanczosCore.Raw warm = LobpcgCore.run(a, 3, Which.LARGEST, 1e-6, 5000, 9, cold.vectors(), 3);
        assertEquals(3, warm.products());
        assertTrue(cold.products() > 3 * warm.products());
        be.free(cold.vectors());
        be.free(warm.vectors());
    }

    /** Power iteration finds the largest-magnitude eigenvalue, with the residual it reports. */
    @Test
    void powerIterationFindsDominantEigenvalue() {
        double[] lambda = Matrices.hessianLike(50, 6);
        LanczosCore.Raw raw = PowerCore.run(op(lambda), 1e-10, 5000, 1, null);
        be.free(raw.vectors());
        assertTrue(raw.converged());
        assertEquals(10, raw.values()[0], 1e-9);
        assertTrue(raw.residuals()[0] <= 1e-10 * 10);
    }

    /** Hutchinson and Hutch++ agree with the exact trace within 4 reported standard errors; Hutch++ is tighter. */
    @Test
    void traceEstimatesAgreeWithinReportedError() {
        double[] lambda = new double[80];
        double exact = 0;
        for (int i = 0; i < lambda.length; i++) {
            lambda[i] = 5 * Math.pow(0.85, i) - 0.01;
            exact += lambda[i];
        }
        Matrices.Dense a = op(lambda);
        TraceCore.Raw h = TraceCore.hutchinson(a, 60, 16, 21);
        assertTrue(Math.abs(h.estimate() - exact) < 4 * h.stdError(), h + " vs " + exact);
        TraceCore.Raw hpp = TraceCore.hutchPlusPlus(a, 60, 16, 21);
        assertTrue(Math.abs(hpp.estimate() - exact) < 4 * hpp.stdError() + 1e-9, hpp + " vs " + exact);
        assertTrue(hpp.stdError() < h.stdError() / 3, "Hutch++ error " + hpp.stdError() + " vs " + h.stdError());
        assertEquals(60, hpp.products());
    }

    /** Gauss quadrature from m Lanczos steps reproduces v^T A^p v exactly for p &lt; 2m; weights sum to 1. */
    @Test
    void slqQuadratureIsExactForLowMoments() {
        double[] lambda = Matrices.hessianLike(40, 8);
        double[][] dense = Matrices.withSpectrum(lambda, 17);
        Matrices.Dense a = new Matrices.Dense(be, DType.F64, dense);
        SlqCore.Raw raw = SlqCore.run(a, 3, 6, 2, 33);
        assertEquals(18, raw.products());
        Buffer v = be.alloc(DType.F64, 40);
        TraceCore.rademacher(v, 40, 33, 1, 1);
        double[] x = HostData.toDoubles(v);
        be.free(v);
        for (int i = 0; i < 40; i++) {
            x[i] /= Math.sqrt(40);
        }
        double sumW = Arrays.stream(raw.weights()[1]).sum();
        assertEquals(1, sumW, 1e-12);
        double[] apx = x.clone();
        for (int p = 1; p <= 11; p++) {
            apx = mul(dense, apx);
            double exact = dot(x, apx);
            double quad = 0;
            for (int j = 0; j < raw.nodes()[1].length; j++) {
                quad += raw.weights()[1][j] * Math.pow(raw.nodes()[1][j], p);
            }
            assertEquals(exact, quad, 1e-9 * Math.pow(10, p), "moment " + p);
        }
    }

    /** The assembled matrix equals A (symmetric, asymmetry ~0) and its eigenvalues are the known spectrum. */
    @Test
    void fullMatrixEigenvaluesAreExact() {
        double[] lambda = Matrices.hessianLike(30, 9);
        FullCore.Raw raw = FullCore.run(op(lambda), 7, true);
        double[] expect = lambda.clone();
        Arrays.sort(expect);
        for (int i = 0; i < 30; i++) {
            assertEquals(expect[i], raw.values()[i], 1e-10);
        }
        assertTrue(raw.asymmetry() < 1e-12, "asymmetry " + raw.asymmetry());
        assertEquals(900, raw.vectors().length());
        be.free(raw.vectors());
    }

    /**
     * The asymmetry is {@code ||M - M^T||_F / ||M||_F} computed from the differences: 0 for an exactly symmetric
     * matrix, and a known rounding-level asymmetry (entries perturbed by about 1e-14 relative) is reported to 1e-6
     * relative of its exact value, on the reference and the CPU backend, in batches that do not divide n.
     */
    @Test
    void fullMatrixReportsRoundingLevelAsymmetry() {
        double[][] a = Matrices.withSpectrum(Matrices.hessianLike(30, 9), 17);
        for (int i = 0; i < 30; i++) {
            for (int j = 0; j < i; j++) {
                a[i][j] = a[j][i];
            }
        }
        double[][] skew = new double[30][];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        for (int i = 0; i < 30; i++) {
            skew[i] = a[i].clone();
            for (int j = 0; j < 30; j++) {
                skew[i][j] *= 1 + 2e-14 * (rnd.nextDouble() - 0.5);
            }
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < 30; i++) {
            for (int j = 0; j < 30; j++) {
                double d = skew[i][j] - skew[j][i];
                num += d * d;
                den += skew[i][j] * skew[i][j];
            }
        }
        double expect = Math.sqrt(num / den);
        assertTrue(expect > 1e-15 && expect < 1e-14, "test matrix asymmetry " + expect);
        try (carnot.kernels.CpuBackend cpu = new carnot.kernels.CpuBackend(2)) {
            for (Backend b : new Backend[] {be, cpu}) {
                FullCore.Raw sym = FullCore.run(new Matrices.Dense(b, DType.F64, a), 7, false);
                assertEquals(0.0, sym.asymmetry(), 0, b.name() + ": exactly symmetric matrix");
                FullCore.Raw raw = FullCore.run(new Matrices.Dense(b, DType.F64, skew), 7, false);
                assertEquals(expect, raw.asymmetry(), 1e-6 * expect, b.name() + ": asymmetry of a perturbed matrix");
            }
        }
    }

    private static double[] mul(double[][] a, double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x.length; j++) {
                y[i] += a[i][j] * x[j];
            }
        }
        return y;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
