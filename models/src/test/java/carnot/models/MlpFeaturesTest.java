package carnot.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import carnot.engine.Readout;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code Mlp.features}, {@code preActivations} and {@code readout} against a hand-written forward pass: h_l = φ(z_l),
 * z_l = h_{l−1}(m W_l)ᵀ + m' b_l, and the output is the readout applied to the last hidden features.
 */
class MlpFeaturesTest {
    private final Backend be = new RefBackend();

    @Test
    void featuresArePostActivationsOfEveryHiddenLayerAndTheReadoutGivesTheOutput() {
        try (Scope _ = Scope.open()) {
            Mlp m = new Mlp(be, DType.F64, new int[] {3, 5, 4, 2}, Activation.TANH, true, 7);
            m.params().get(2).setMultiplier(0.5);
            m.params().get(5).setMultiplier(3);
            List<Tensor> w = m.values();
            // nonzero biases so that a missing bias shows
            for (int i = 1; i < w.size(); i += 2) {
                w.set(i, Tensor.randn(be, DType.F64, 10 + i, 0, 1.0, w.get(i).shape()));
            }
            Tensor x = Tensor.randn(be, DType.F64, 3, 0, 1.0, 6, 3);
            List<Tensor> h = m.features(w, x);
            List<Tensor> z = m.preActivations(w, x);
            assertEquals(2, h.size());
            assertEquals(3, z.size());
            // hand-written: z1 = x W0ᵀ + b0, h1 = tanh z1; z2 = h1 (0.5 W1)ᵀ + b1; out = h2 W2ᵀ + 3 b2
            double[] xv = x.toDoubles();
            double[] z1 = affine(xv, 6, 3, w.get(0).toDoubles(), 1, w.get(1).toDoubles(), 1, 5);
            double[] h1 = tanh(z1);
            double[] z2 = affine(h1, 6, 5, w.get(2).toDoubles(), 0.5, w.get(3).toDoubles(), 1, 4);
            double[] h2 = tanh(z2);
            double[] out = affine(h2, 6, 4, w.get(4).toDoubles(), 1, w.get(5).toDoubles(), 3, 2);
            assertArrayEquals(z1, z.get(0).toDoubles(), 1e-14);
            assertArrayEquals(h1, h.get(0).toDoubles(), 1e-14);
            assertArrayEquals(z2, z.get(1).toDoubles(), 1e-14);
            assertArrayEquals(h2, h.get(1).toDoubles(), 1e-14);
            assertArrayEquals(out, z.get(2).toDoubles(), 1e-14);
            assertArrayEquals(out, m.forward(w, x).toDoubles(), 1e-14);
            Readout r = m.readout(w);
            assertArrayEquals(out, affine(h2, 6, 4, r.weight().toDoubles(), 1, r.bias().toDoubles(), 1, 2), 1e-14);
        }
    }

    @Test
    void readoutWithoutBiasAndSingleLayer() {
        try (Scope _ = Scope.open()) {
            Mlp lin = Mlp.deepLinear(be, DType.F64, new int[] {3, 2}, 1);
            assertEquals(0, lin.features(lin.values(), Tensor.zeros(be, DType.F64, 4, 3)).size());
            Readout r = lin.readout(lin.values());
            assertNull(r.bias());
            assertArrayEquals(lin.values().get(0).toDoubles(), r.weight().toDoubles(), 0);
            Exception e = assertThrows(IllegalArgumentException.class,
                    () -> lin.features(lin.values(), Tensor.zeros(be, DType.F64, 4, 5)));
            assertEquals("Mlp input must have shape [N, 3]; given [4, 5]", e.getMessage());
        }
    }

    private static double[] affine(double[] h, int n, int d, double[] w, double m, double[] b, double mb, int out) {
        double[] z = new double[n * out];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < out; o++) {
                double s = mb * b[o];
                for (int k = 0; k < d; k++) {
                    s += h[i * d + k] * m * w[o * d + k];
                }
                z[i * out + o] = s;
            }
        }
        return z;
    }

    private static double[] tanh(double[] z) {
        double[] h = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            h[i] = Math.tanh(z[i]);
        }
        return h;
    }
}
