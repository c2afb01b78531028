package carnot.science.spectral;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.ArrayDataSet;
import carnot.engine.Hessian;
import carnot.engine.Linearized;
import carnot.engine.Loss;
import carnot.engine.Scope;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import carnot.science.TinyMlp;
import org.junit.jupiter.api.Test;

/**
 * The full Hessian's assembly: the in-place symmetrisation equals {@code (M + M^T) * 0.5} entry by entry, a batch
 * sized by a memory budget gives the same matrix as one pass of all P directions, and the budget's resolution.
 */
class FullSpectrumTest {

    /** An asymmetric matrix comes back as exactly (a[i][j] + a[j][i]) * 0.5, whatever the panel height. */
    @Test
    void inPlaceSymmetrisationIsBitwiseTheHalfSum() {
        int n = 23;
        double[][] a = new double[n][n];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        for (double[] row : a) {
            for (int j = 0; j < n; j++) {
                row[j] = rnd.nextDouble() - 0.5;
            }
        }
        for (Backend be : new Backend[] {new RefBackend(), new CpuBackend(2)}) {
            try (Scope s = Scope.open()) {
                for (int batch : new int[] {1, 5, 7, 23, 64}) {
                    double[][] m = new DenseOperator(FullSpectrum.matrix(DenseOperator.of(be, DType.F64, a), batch))
                            .toRows();
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < n; j++) {
                            assertEquals(Double.doubleToRawLongBits((a[i][j] + a[j][i]) * 0.5),
                                    Double.doubleToRawLongBits(m[i][j]), be.name() + " batch " + batch + " at " + i + "," + j);
                        }
                    }
                }
            } finally {
                be.close();
            }
        }
    }

    /**
     * The Hessian of a small MLP (P = 51) assembled in passes sized by a budget equals the one-pass (batch = P)
     * matrix: bitwise on the reference backend, to rounding on the CPU backend; the eigenvalues agree likewise.
     */
    @Test
    void budgetedBatchGivesTheMatrixOfBatchP() {
        for (Backend be : new Backend[] {new RefBackend(), new CpuBackend(2)}) {
            try (Scope s = Scope.open()) {
                TinyMlp model = new TinyMlp(be, DType.F64, 4, 6, 3, 7);
                ArrayDataSet data = TinyMlp.data(be, DType.F64, 24, 4, 3, 8);
                try (Linearized h = Hessian.of(model, Loss.MSE, data, 8).linearize()) {
                    int n = h.dim();
                    assertEquals(51, n);
                    assertTrue(h.bytesPerDirection() > 0,
                            "a linearized Hessian measures what its replay holds per direction");
                    long estimate = FullSpectrum.Batch.bytesPerDirection(h);
                    assertEquals(3L * n * 8 + h.bytesPerDirection(), estimate);
                    FullSpectrum.Batch budget = FullSpectrum.Batch.budget(6 * estimate + estimate / 2);
                    assertEquals(6, budget.resolve(h));
                    double[][] all = new DenseOperator(FullSpectrum.matrix(h, n)).toRows();
                    double[][] some = new DenseOperator(FullSpectrum.matrix(h, budget)).toRows();
                    FullSpectrum fa = FullSpectrum.compute(h, n, false);
                    FullSpectrum fb = FullSpectrum.compute(h, budget, false);
                    assertEquals(n, fa.batch());
                    assertEquals(n, fa.products());
                    assertEquals(6, fb.batch());
                    assertEquals(54, fb.products(), "9 passes of 6, the last one overlapping");
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> FullSpectrum.compute(h, FullSpectrum.Batch.budget(estimate - 1), false));
                    assertTrue(e.getMessage().contains("needs " + estimate + " bytes")
                            && e.getMessage().contains("given " + (estimate - 1) + " bytes"), e.getMessage());
                    double scale = Math.abs(fa.values()[n - 1]);
                    for (int i = 0; i < n; i++) {
                        if (be instanceof RefBackend) {
                            assertArrayEquals(all[i], some[i], 0.0, "row " + i);
                        } else {
                            for (int j = 0; j < n; j++) {
                                assertEquals(all[i][j], some[i][j], 1e-14 * scale, "entry " + i + "," + j);
                            }
                        }
                        assertEquals(fa.values()[i], fb.values()[i], 1e-13 * scale, "eigenvalue " + i);
                    }
                }
            } finally {
                be.close();
            }
        }
    }

    /** Budget resolution: at most P, at least one for the default, an error naming required and given bytes. */
    @Test
    void budgetResolution() {
        try (Backend be = new RefBackend(); Scope s = Scope.open()) {
            DenseOperator op = DenseOperator.of(be, DType.F64, new double[][] {{1, 0, 0}, {0, 2, 0}, {0, 0, 3}});
            long per = FullSpectrum.Batch.bytesPerDirection(op);
            assertEquals(3 * 3 * 8, per);
            assertEquals(2, FullSpectrum.Batch.budget(2 * per + 1).resolve(op));
            assertEquals(3, FullSpectrum.Batch.budget(1L << 40).resolve(op));
            assertEquals(1, FullSpectrum.Batch.matrixSized().resolve(op)); // half of 9 doubles: less than one direction
            double[][] d = new double[40][40];
            for (int i = 0; i < 40; i++) {
                d[i][i] = i + 1;
            }
            DenseOperator dense = DenseOperator.of(be, DType.F64, d);
            assertEquals(40 * 40 * 8 / 2 / (3 * 40 * 8), FullSpectrum.Batch.matrixSized().resolve(dense));
            FullSpectrum f = FullSpectrum.compute(dense, FullSpectrum.Batch.matrixSized(), false);
            assertEquals(6, f.batch());
            assertEquals(42, f.products(), "7 passes of 6, the last one overlapping");
            assertEquals(40.0, f.values()[39], 1e-13);
            assertEquals(3, FullSpectrum.Batch.of(50).resolve(op));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> FullSpectrum.Batch.budget(per - 1).resolve(op));
            assertTrue(e.getMessage().contains("needs " + per + " bytes") && e.getMessage().contains("given " + (per - 1)),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> FullSpectrum.Batch.of(0));
            assertThrows(IllegalArgumentException.class, () -> FullSpectrum.Batch.budget(0));
            assertArrayEquals(new double[] {1, 2, 3}, FullSpectrum.compute(op, FullSpectrum.Batch.matrixSized(), false)
                    .values(), 1e-15);
        }
    }
}
