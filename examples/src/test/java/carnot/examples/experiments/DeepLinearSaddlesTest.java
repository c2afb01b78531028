package carnot.examples.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * From a small init, a 3-layer deep linear network learns the target singular values 3, 1.5, 0.75 in order (each
 * reaches half its target strictly later than the previous), ends close to all targets, and conserves the
 * balancedness up to a small residual.
 */
class DeepLinearSaddlesTest {

    @Test
    void singularValuesLearnedLargestFirst() {
        DeepLinearSaddles.Config c = new DeepLinearSaddles.Config(6, 6, 3, new double[] {3, 1.5, 0.75}, 64, 0.1, 0.05,
                1500, 10, 1);
        DeepLinearSaddles.Outcome o = DeepLinearSaddles.run(c, new CpuBackend(1), DType.F64);
        long[] h = o.halfway();
        String info = Arrays.toString(h) + " final " + o.sv()[0][o.steps().length - 1] + ", "
                + o.sv()[1][o.steps().length - 1] + ", " + o.sv()[2][o.steps().length - 1];
        assertTrue(h[0] > 0 && h[1] > h[0] && h[2] > h[1], "stage-wise order: " + info);
        int last = o.steps().length - 1;
        for (int i = 0; i < 3; i++) {
            assertEquals(c.targets()[i], o.sv()[i][last], 0.05 * c.targets()[i], info);
        }
        double maxCons = Arrays.stream(o.cons()).max().orElseThrow();
        assertTrue(maxCons < 0.05, "balancedness conserved to O(lr^2): max residual " + maxCons);
    }
}
