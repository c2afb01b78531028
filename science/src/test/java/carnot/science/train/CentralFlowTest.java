package carnot.science.train;

import carnot.engine.ParamVector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.Role;
import carnot.engine.Tensor;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The top-1 central flow: gradient flow below 2/η, and a step from above 2/η lands on the boundary. */
class CentralFlowTest {
    private static final RefBackend BE = new RefBackend();

    /** f(x) = tanh(x W0ᵀ) W1ᵀ. */
    record Net(List<Param> params) implements Model {
        static Net create(long seed) {
            return new Net(List.of(
                    new Param("w0", Role.INPUT, 4, 8, Tensor.randn(BE, DType.F64, seed, 0, 0.5, 8, 4)),
                    new Param("w1", Role.READOUT, 8, 3, Tensor.randn(BE, DType.F64, seed, 100, 0.5, 3, 8))));
        }

        @Override
        public Tensor forward(List<Tensor> w, Tensor x) {
            return x.matmul(w.get(0), false, true).tanh().matmul(w.get(1), false, true);
        }
    }

    private static DataSet data() {
        return new ArrayDataSet(Tensor.randn(BE, DType.F64, 3, 0, 1, 24, 4), Tensor.randn(BE, DType.F64, 3, 1000, 1, 24, 3));
    }

    private static ParamVector vec(Net m, double[] w) {
        return ParamVector.fromHost(BE, DType.F64, w, ParamVector.shapes(m));
    }

    private static double[] gradient(Net m, DataSet d, ParamVector w) {
        ParamVector g = ParamVector.zeros(BE, DType.F64, ParamVector.shapes(m));
        new ModelObjective(m, Loss.MSE, d, null, 24, 1e-10, 300).lossAndGradient(w, null, g);
        return g.toDoubles();
    }

    private static double sharpness(Net m, DataSet d, ParamVector w) {
        return new ModelObjective(m, Loss.MSE, d, null, 24, 1e-12, 300).topEigen(w, 1, null).values()[0];
    }

    @Test
    void belowTheThresholdItIsAnEulerStepOfGradientFlow() {
        Net m = Net.create(1);
        DataSet d = data();
        ParamVector pw = ModelObjective.flatten(m);
        double s0 = sharpness(m, d, pw);
        double lr = 0.5 / s0;
        CentralFlow f = new CentralFlow(m, Loss.MSE, d, 10, lr, lr / 4, 1e-10, 300);
        double[] g = gradient(m, d, pw);
        double[] expect = pw.toDoubles();
        for (int i = 0; i < expect.length; i++) {
            expect[i] -= lr / 4 * g[i];
        }
        CentralFlow.Point p = f.step(pw);
        assertEquals(0, p.sigma2(), 0);
        assertEquals(s0, p.sharpness(), 1e-8 * s0);
        assertEquals(p.loss(), p.predictedLoss(), 0);
        double[] w = pw.toDoubles();
        for (int i = 0; i < w.length; i++) {
            assertEquals(expect[i], w[i], 1e-12, "coordinate " + i);
        }
        assertEquals(lr / 4, f.time(), 0);
    }

    @Test
    void fromAboveTheThresholdOneStepLandsOnTheBoundaryAndStaysAtOrBelow() {
        Net m = Net.create(2);
        DataSet d = data();
        ParamVector w = ModelObjective.flatten(m);
        double s0 = sharpness(m, d, w);
        double dt = 0.01;
        // one Euler step of gradient flow alone, and a threshold 1 % below where it lands (and below S0)
        double[] g = gradient(m, d, w);
        double[] plain = w.toDoubles();
        for (int i = 0; i < plain.length; i++) {
            plain[i] -= dt * g[i];
        }
        double sPlain = sharpness(m, d, vec(m, plain));
        double thr = 0.99 * Math.min(sPlain, s0);
        double lr = 2 / thr;
        CentralFlow f = new CentralFlow(m, Loss.MSE, d, 7, lr, dt, 1e-12, 300);
        CentralFlow.Point first = f.step(w);
        assertTrue(first.sigma2() > 0, "the constraint is active: sigma^2 = " + first.sigma2());
        double s1 = sharpness(m, d, w);
        assertTrue(Math.abs(s1 - thr) <= 2e-4 * thr, "one step lands on 2/eta = " + thr + ": S = " + s1
                + " (gradient flow alone: " + sPlain + ")");
        for (int k = 0; k < 10; k++) {
            CentralFlow.Point p = f.step(w);
            assertTrue(p.sharpness() <= thr * (1 + 2e-4), "step " + k + ": S stays at or below 2/eta = " + thr + ": " + p.sharpness());
            assertTrue(p.sigma2() >= 0);
            assertEquals(p.loss() + 0.5 * p.sigma2() * p.sharpness(), p.predictedLoss(), 1e-15);
        }
    }

    @Test
    void refusesAnUnstableEulerStep() {
        Net m = Net.create(1);
        assertThrows(IllegalArgumentException.class, () -> new CentralFlow(m, Loss.MSE, data(), 8, 0.1, 0.06, 1e-8, 100));
    }
}
