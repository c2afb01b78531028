package carnot.science.spectral;

import carnot.engine.Scope;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** λ_max(P^{-1/2} A P^{-1/2}) by Lanczos equals λ_max(P^{-1} A) by power iteration on the explicit product. */
class PreconditionedTest {
    private static final RefBackend BE = new RefBackend();

    @AfterAll
    static void close() {
        BE.close();
    }

    @Test
    void topEigenvalueEqualsThatOfTheLeftPreconditionedMatrix() {
        int n = 30;
        Random r = new Random(3);
        double[][] b = new double[n][n];
        for (double[] row : b) {
            for (int j = 0; j < n; j++) {
                row[j] = r.nextGaussian();
            }
        }
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    a[i][j] += b[i][k] * b[j][k] / n;
                }
            }
        }
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp(2 * r.nextGaussian());
        }
        // power iteration on P^{-1} A (positive semi-definite similar matrix: the dominant eigenvalue is the top one)
        double[] x = new double[n];
        java.util.Arrays.fill(x, 1);
        double lam = 0;
        for (int it = 0; it < 20000; it++) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    y[i] += a[i][j] * x[j];
                }
                y[i] /= p[i];
            }
            double nrm = 0;
            for (double v : y) {
                nrm = Math.max(nrm, Math.abs(v));
            }
            lam = nrm / maxAbs(x);
            for (int i = 0; i < n; i++) {
                x[i] = y[i] / nrm;
            }
        }
        double plain;
        double pre;
        try (Scope s = Scope.open()) {
            DenseOperator op = DenseOperator.of(BE, DType.F64, a);
            plain = Lanczos.topK(op, 1, 1e-12, 500, null).values()[0];
            pre = Lanczos.topK(Preconditioned.of(op, p), 2, 1e-12, 500, null).values()[0];
        }
        assertEquals(lam, pre, 1e-8 * lam, "λ_max(P^-1 A)");
        org.junit.jupiter.api.Assertions.assertTrue(Math.abs(plain - pre) > 0.1 * plain,
                "the preconditioner changes the spectrum: " + plain + " vs " + pre);
    }

    private static double maxAbs(double[] x) {
        double m = 0;
        for (double v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Test
    void adamPreconditionerAndThreshold() {
        double[] p = Preconditioned.adam(new double[] {4e-6, 0}, 1, 0.999, 1e-8);
        assertEquals(Math.sqrt(4e-6 / 0.001) + 1e-8, p[0], 1e-15);
        assertEquals(1e-8, p[1], 0);
        assertEquals(38 / 0.01, Preconditioned.adamThreshold(0.01, 0.9), 1e-9);
        try (Scope s = Scope.open()) {
            DenseOperator op = DenseOperator.of(BE, DType.F64, new double[][] {{1, 0}, {0, 1}});
            assertThrows(IllegalArgumentException.class, () -> Preconditioned.of(op, new double[] {1, 0}));
            assertThrows(IllegalArgumentException.class, () -> Preconditioned.of(op, new double[] {1}));
        }
    }
}
