package carnot.science.spectral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The eigenvalue stopping rule ({@link Stop#EIGENVALUE}) for the top eigenvalue: on a diagonal operator with a
 * known spectrum, Lanczos stops only when the true eigenvalue error is within the tolerance, the bound it reports is
 * never below the true error, and it needs fewer products than the residual rule. (For k = 2 on this spectrum one
 * start vector of six stopped at tol 1e-3 before seeing 9.2: see {@link Stop}.)
 */
class LanczosStopTest {
    private final Backend be = new RefBackend();

    /** diag(lambda): outliers 10, 9.2, 8.5, 6, then a bulk uniform in [-1, 2] (n = 300). */
    private static double[] spectrum() {
        SplittableRandom rnd = new SplittableRandom(17);
        double[] l = new double[300];
        for (int i = 0; i < l.length; i++) {
            l[i] = -1 + 3 * rnd.nextDouble();
        }
        l[3] = 10;
        l[50] = 9.2;
        l[120] = 8.5;
        l[7] = 6;
        return l;
    }

    private static double[][] diag(double[] l) {
        double[][] m = new double[l.length][l.length];
        for (int i = 0; i < l.length; i++) {
            m[i][i] = l[i];
        }
        return m;
    }

    private LanczosCore.Raw run(Stop stop, int k, double tol, long seed) {
        Matrices.Dense op = new Matrices.Dense(be, DType.F64, diag(spectrum()));
        LanczosCore.Raw raw = LanczosCore.run(op, k, Which.LARGEST, stop, tol, 500, 40, seed, null);
        be.free(raw.vectors());
        return raw;
    }

    @Test
    void stopsOnlyWhenTheTrueErrorIsWithinTolAndTheBoundCoversIt() {
        double[] expect = {10, 9.2, 8.5, 6};
        // rounding of the f64 products and Ritz values: the bound is compared with the error up to this
        double rounding = 64 * Math.ulp(10.0);
        int checked = 0;
        for (double tol : new double[] {1e-3, 1e-5, 1e-8}) {
            for (int k : new int[] {1}) {
                for (long seed = 1; seed <= 6; seed++) {
                    LanczosCore.Raw raw = run(Stop.EIGENVALUE, k, tol, seed);
                    String what = "tol " + tol + ", k " + k + ", seed " + seed + ": values "
                            + Arrays.toString(raw.values()) + ", bounds " + Arrays.toString(raw.errorBounds())
                            + ", residuals " + Arrays.toString(raw.residuals());
                    assertTrue(raw.converged(), what);
                    double scale = Math.abs(raw.values()[0]);
                    for (int i = 0; i < k; i++) {
                        double err = Math.abs(raw.values()[i] - expect[i]);
                        assertTrue(err <= tol * scale, "true error " + err + " > tol x max|theta| for value " + i
                                + "; " + what);
                        assertTrue(raw.errorBounds()[i] <= tol * scale, "reported bound above tol; " + what);
                        assertTrue(raw.errorBounds()[i] + rounding >= err, "bound " + raw.errorBounds()[i]
                                + " below the true error " + err + " for value " + i + "; " + what);
                        assertTrue(raw.errorBounds()[i] <= raw.residuals()[i], "bound above the residual; " + what);
                        checked++;
                    }
                }
            }
        }
        assertEquals(3 * 6, checked);
    }

    @Test
    void needsFewerProductsThanTheResidualRuleForTheSameEigenvalueAccuracy() {
        for (double tol : new double[] {1e-3, 1e-6}) {
            LanczosCore.Raw byValue = run(Stop.EIGENVALUE, 1, tol, 1);
            LanczosCore.Raw byResidual = run(Stop.RESIDUAL, 1, tol, 1);
            assertTrue(byResidual.converged() && byValue.converged());
            assertTrue(byValue.products() < byResidual.products(), "tol " + tol + ": eigenvalue rule "
                    + byValue.products() + " products, residual rule " + byResidual.products());
            // the residual rule reports the same kind of bound, and it is met with room to spare
            assertTrue(byResidual.errorBounds()[0] <= byResidual.residuals()[0]);
        }
    }

    @Test
    void boundFormula() {
        // one Ritz value: no gap is known, the bound is the residual
        assertEquals(0.1, Stop.errorBound(new double[] {5}, new double[] {0.1}, 0), 0);
        // gap = min(|5 - 3| - 0.5, |5 - 1| - 0) = 1.5; bound = 0.1^2 / 1.5
        assertEquals(0.01 / 1.5, Stop.errorBound(new double[] {5, 3, 1}, new double[] {0.1, 0.5, 0}, 0), 1e-15);
        // a neighbour within its own residual of theta: no gap, the residual
        assertEquals(0.1, Stop.errorBound(new double[] {5, 4.9}, new double[] {0.1, 0.2}, 0), 0);
        // gap 0.4 > r = 0.3: bound 0.09 / 0.4
        assertEquals(0.09 / 0.4, Stop.errorBound(new double[] {5, 4.6}, new double[] {0.3, 0.0}, 0), 1e-15);
        assertEquals(Stop.RESIDUAL, Stop.parse("Residual"));
        assertEquals(Stop.EIGENVALUE, Stop.parse("eigenvalue"));
    }
}
