package carnot.examples.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.science.observe.Matrix;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Saxe closed form, the mode equation, its half-time integral and the balanced init. */
class SaxeTheoryTest {

    @Test
    void depth2SigmoidStartsAtU0EndsAtSAndSolvesTheModeEquation() {
        double s = 2;
        double u0 = 1e-3;
        assertEquals(u0, SaxeTheory.depth2(s, u0, 0), 1e-15);
        assertEquals(s, SaxeTheory.depth2(s, u0, 50), 1e-12);
        // du/dt = 2u(s − u) by a central difference
        double t = 1.7;
        double h = 1e-5;
        double du = (SaxeTheory.depth2(s, u0, t + h) - SaxeTheory.depth2(s, u0, t - h)) / (2 * h);
        double u = SaxeTheory.depth2(s, u0, t);
        assertEquals(2 * u * (s - u), du, 1e-6);
    }

    @Test
    void depth2HalfTimeIsTheClosedForm() {
        double s = 3;
        double u0 = 1e-4;
        double closed = Math.log(s / u0 - 1) / (2 * s);
        assertEquals(closed, SaxeTheory.halfTime(2, s, u0), 1e-9 * closed);
        assertEquals(s / 2, SaxeTheory.depth2(s, u0, closed), 1e-12);
    }

    @Test
    void trajectoryAgreesWithTheClosedFormAtDepth2() {
        double[] times = {0.5, 1, 2, 3, 5};
        double[] u = SaxeTheory.trajectory(2, 1.5, 1e-3, times, 1e-3);
        for (int k = 0; k < times.length; k++) {
            assertEquals(SaxeTheory.depth2(1.5, 1e-3, times[k]), u[k], 1e-9);
        }
    }

    @Test
    void deepHalfTimeApproachesTheLeadingOneOverSLaw() {
        // depth 3: t½ = 3 ∫ ... → u0^{-1/3}/s; the correction is O((u0/s)^{1/3})
        double u0 = 1e-9;
        double exact = SaxeTheory.halfTime(3, 2, u0);
        double leading = SaxeTheory.halfTimeLeading(3, 2, u0);
        assertEquals(500, leading, 1e-9);
        assertTrue(Math.abs(exact / leading - 1) < 0.01, exact + " vs " + leading);
        // the deep half time integrates the mode equation: the trajectory crosses s/2 there
        double[] u = SaxeTheory.trajectory(3, 2, 1e-4, new double[] {SaxeTheory.halfTime(3, 2, 1e-4)}, 1e-3);
        assertEquals(1, u[0], 1e-6);
        assertThrows(IllegalArgumentException.class, () -> SaxeTheory.halfTimeLeading(2, 1, 1e-3));
    }

    @Test
    void crossingInterpolatesLinearly() {
        double[] t = {0, 1, 2, 3};
        double[] u = {0, 0.2, 0.6, 1};
        assertEquals(1.75, SaxeTheory.crossing(t, u, 0.5), 1e-15);
        assertTrue(Double.isNaN(SaxeTheory.crossing(t, u, 2)));
    }

    @Test
    void balancedInitHasModeStrengthU0AndIsBalanced() {
        Matrix m = new Matrix(3, 3, new double[] {2, 0, 0, 0, 0, 1, 0, 0.5, 0}); // singular values 2, 1, 0.5
        Matrix[] uv = Saxe.singularVectors(m, 3);
        ModeStrengths modes = new ModeStrengths(1, uv[0], uv[1], List.of());
        double[] s = modes.strengths(m);
        assertEquals(2, s[0], 1e-12);
        assertEquals(1, s[1], 1e-12);
        assertEquals(0.5, s[2], 1e-12);
        List<Matrix> ws = Saxe.balancedInit(3, 4, uv[0], uv[1], 1e-3);
        double[] u = modes.strengths(FlatMatrices.product(ws));
        for (double v : u) {
            assertEquals(1e-3, v, 1e-15);
        }
        for (int l = 0; l + 1 < ws.size(); l++) {
            Matrix a = ws.get(l);
            Matrix b = ws.get(l + 1);
            assertEquals(0, b.transpose().times(b).minus(a.times(a.transpose())).norm(), 1e-15);
        }
    }
}
