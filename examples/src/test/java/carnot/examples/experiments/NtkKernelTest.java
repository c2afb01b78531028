package carnot.examples.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;

import carnot.science.observe.Matrix;
import org.junit.jupiter.api.Test;

/** The linearized GD prediction against hand-computed cases. */
class NtkKernelTest {

    @Test
    void oneSampleFollowsTheScalarRecursion() {
        // N = 1, Θ = [λ]: f_T − y = (1 − ηλ)^T (f_0 − y); test output moves by Θ*/λ times the train change
        double lambda = 2;
        double eta = 0.1;
        long steps = 7;
        double f0 = 0.5;
        double y = -1;
        double[] train = NtkKernel.predict(new Matrix(1, 1, new double[] {lambda}), new Matrix(1, 1, new double[] {lambda}),
                new double[] {f0}, new double[] {f0}, new double[] {y}, eta, steps);
        assertEquals(y + Math.pow(1 - eta * lambda, steps) * (f0 - y), train[0], 1e-14);
        double[] test = NtkKernel.predict(new Matrix(1, 1, new double[] {lambda}), new Matrix(1, 1, new double[] {0.5}),
                new double[] {0.25}, new double[] {f0}, new double[] {y}, eta, steps);
        assertEquals(0.25 + 0.5 / lambda * (1 - Math.pow(1 - eta * lambda, steps)) * (y - f0), test[0], 1e-14);
    }

    @Test
    void longTrainingInterpolatesTheTrainingSet() {
        Matrix k = new Matrix(2, 2, new double[] {2, 0.5, 0.5, 1});
        double[] y = {1, -2};
        double[] f0 = {0.3, 0.1};
        double[] f = NtkKernel.predict(k, k, f0, f0, y, 0.5, 10_000);
        assertEquals(1, f[0], 1e-12);
        assertEquals(-2, f[1], 1e-12);
    }

    @Test
    void zeroEigenvalueUsesTheLinearLimit() {
        assertEquals(0.3 * 5 / 2, NtkKernel.factor(0, 0.3, 5, 2), 1e-15);
        assertEquals(-Math.expm1(5 * Math.log1p(-0.3 * 1e-3 / 2)) / 1e-3, NtkKernel.factor(1e-3, 0.3, 5, 2), 1e-15);
    }

    @Test
    void kernelWeighsByTheLearningRateMultipliers() {
        double[][] a = {{1, 2}, {0, 1}};
        Matrix k = NtkKernel.kernel(a, a, new double[] {1, 3});
        assertEquals(1 + 12, k.get(0, 0), 0);
        assertEquals(6, k.get(0, 1), 0);
        assertEquals(3, k.get(1, 1), 0);
    }
}
