package carnot.examples.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FitsTest {

    @Test
    void linearRecoversAnExactLine() {
        double[] x = {0, 1, 2, 3};
        double[] y = {1, 3, 5, 7};
        Fits.Fit f = Fits.linear(x, y);
        assertEquals(2, f.slope(), 1e-12);
        assertEquals(1, f.intercept(), 1e-12);
        assertEquals(1, f.r2(), 1e-12);
        assertEquals(9, f.at(4), 1e-12);
    }

    @Test
    void linearR2OfAKnownNoisySet() {
        // x = {0, 2, 4}, y = {1, 3, 2}: slope 0.25, intercept 1.5, SS_res = 1.5, SS_tot = 2, R² = 0.25.
        Fits.Fit f = Fits.linear(new double[] {0, 2, 4}, new double[] {1, 3, 2});
        assertEquals(0.25, f.slope(), 1e-12);
        assertEquals(1.5, f.intercept(), 1e-12);
        assertEquals(0.25, f.r2(), 1e-12);
    }

    @Test
    void loglogRecoversAPowerLaw() {
        double[] x = {1, 10, 100, 1000};
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = 3 * Math.pow(x[i], -0.5);
        }
        Fits.Fit f = Fits.loglog(x, y);
        assertEquals(-0.5, f.slope(), 1e-12);
        assertEquals(Math.log(3), f.intercept(), 1e-12);
        assertEquals(1, f.r2(), 1e-12);
        assertEquals(3 * Math.pow(50, -0.5), f.powerAt(50), 1e-12);
    }

    @Test
    void refusesBadInput() {
        assertThrows(IllegalArgumentException.class, () -> Fits.loglog(new double[] {1, 2}, new double[] {1, 0}));
        assertThrows(IllegalArgumentException.class, () -> Fits.linear(new double[] {1, 1}, new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> Fits.linear(new double[] {1}, new double[] {1}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Fits.linear(new double[] {1, 2}, new double[] {1}));
        assertTrue(e.getMessage().contains("same length"));
    }
}
