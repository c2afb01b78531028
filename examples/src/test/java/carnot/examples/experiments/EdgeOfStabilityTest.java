package carnot.examples.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.DataSet;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.data.Generated;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Edge-of-stability smoke test and the median-after-crossing statistic. */
class EdgeOfStabilityTest {

    @Test
    void medianAfterFirstCrossing() {
        assertEquals(1.075, EdgeOfStability.medianAfterFirstCrossing(new double[] {0.5, 0.9, 1.1, 0.95, 1.05, 1.2}), 1e-15);
        assertEquals(1.1, EdgeOfStability.medianAfterFirstCrossing(new double[] {0.2, 1.1, 0.9, 1.3}), 1e-15);
        assertTrue(Double.isNaN(EdgeOfStability.medianAfterFirstCrossing(new double[] {0.2, 0.99})));
    }

    /**
     * Tanh MLP 10→64→64→4 on a 200-sample Gaussian mixture (MSE on one-hot targets), full-batch GD with η = 0.2:
     * sharpness starts below 2/η = 10, rises to it (progressive sharpening) and then hovers: the median of
     * η·λ/2 after the first crossing lies in [0.9, 1.2].
     */
    @Test
    void sharpnessRisesToAndHoversAtTwoOverEta() {
        CpuBackend be = new CpuBackend(1);
        DataSet ds = Data.of(Generated.gaussianMixture(200, 10, 4, 3, 0).oneHot(4), be, DType.F64);
        EdgeOfStability.Outcome o = EdgeOfStability.run(new EdgeOfStability.Config(new int[] {10, 64, 64, 4},
                Activation.TANH, new double[] {0.2}, 1000, 0, 10, 0, 0), be, DType.F64, ds, null, null).getFirst();
        String curve = Arrays.toString(o.sharpness());
        assertTrue(o.sharpness()[0] < 0.95 * 10, "starts below 2/eta: " + curve);
        assertTrue(o.firstCrossing() > 0, "crosses 2/eta: " + curve);
        assertTrue(o.median() >= 0.9 && o.median() <= 1.2, "median eta*lambda/2 = " + o.median() + ": " + curve);
        assertEquals("COMPLETED", o.status());
    }
}
