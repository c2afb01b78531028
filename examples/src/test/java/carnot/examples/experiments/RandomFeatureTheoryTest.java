package carnot.examples.experiments;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The random-feature closed forms against known values. */
class RandomFeatureTheoryTest {

    @Test
    void exponentsAreSourceOrCapacityLimited() {
        assertEquals(1.5, RandomFeatureTheory.featureExponent(1.5, 3.0), 0);
        assertEquals(2.0, RandomFeatureTheory.dataExponent(1.5, 3.0), 0);
        assertEquals(0.5, RandomFeatureTheory.featureExponent(2.0, 1.5), 0);
        assertEquals(0.5, RandomFeatureTheory.dataExponent(2.0, 1.5), 0);
        assertEquals(2.4, RandomFeatureTheory.dataExponent(1.2, 4.0), 1e-15);
    }

    /** Isotropic data (all λ = 1, M dims): κ = M/n − 1, L(N) = (1 − N/M)·Σc², L(D) = (1 − D/M)·Σc². */
    @Test
    void isotropicDataHasTheKnownProjectionAndRidgelessLosses() {
        int m = 200;
        double[] lambda = new double[m];
        Arrays.fill(lambda, 1);
        double[] c2 = RandomFeatureTheory.targetPower(2.0, m);
        double total = Arrays.stream(c2).sum();
        assertEquals(200.0 / 50 - 1, RandomFeatureTheory.kappa(lambda, 50), 1e-10);
        assertEquals((1 - 50.0 / 200) * total, RandomFeatureTheory.lossFeatures(lambda, c2, 50), 1e-10);
        assertEquals((1 - 80.0 / 200) * total, RandomFeatureTheory.lossData(lambda, c2, 80), 1e-10);
    }

    /** Far from the truncation (M/N = 250) the deterministic equivalents have the asymptotic local slopes. */
    @Test
    void powerLawLossesFollowTheirExponents() {
        double[] lambda = RandomFeatureTheory.eigenvalues(1.5, 1_000_000);
        double[] c2 = RandomFeatureTheory.targetPower(3.0, 1_000_000);
        double n = Math.log(RandomFeatureTheory.lossFeatures(lambda, c2, 4000) / RandomFeatureTheory.lossFeatures(lambda, c2, 2000))
                / Math.log(2);
        double d = Math.log(RandomFeatureTheory.lossData(lambda, c2, 4000) / RandomFeatureTheory.lossData(lambda, c2, 2000))
                / Math.log(2);
        assertEquals(-1.5, n, 0.02);
        assertEquals(-2.0, d, 0.04);
    }

    @Test
    void choleskySolvesASymmetricPositiveDefiniteSystem() {
        double[] a = {4, 2, 0.4, 2, 5, 1, 0.4, 1, 3};
        double[] x = {1, -2, 0.5};
        double[] y = new double[3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                y[i] += a[i * 3 + j] * x[j];
            }
        }
        assertArrayEquals(x, RandomFeatureTheory.solveSpd(a, 3, y), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> RandomFeatureTheory.solveSpd(new double[] {1, 2, 2, 1}, 2,
                new double[] {1, 1}));
    }
}
