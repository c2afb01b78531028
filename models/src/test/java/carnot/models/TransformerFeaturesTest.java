package carnot.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import carnot.engine.Param;
import carnot.engine.Readout;
import carnot.engine.Role;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code Transformer.features} and {@code readout}: the residual stream after each block, then LN_f(h_L), one row per
 * output row ([B·t, d], or [B, d] for last-position logits), and the head as a bias-free readout whose product with
 * the last entry is the forward's logits bitwise.
 */
class TransformerFeaturesTest {
    private static final int V = 7;
    private static final int T = 4;
    private static final int D = 8;
    private static final int B = 3;

    @Test
    void readoutOfTheLastFeaturesIsTheForwardBitwise() {
        for (boolean cpu : new boolean[] {false, true}) {
            try (Backend be = cpu ? new CpuBackend(2) : new RefBackend(); Scope _ = Scope.open()) {
                for (boolean lastOnly : new boolean[] {false, true}) {
                    Random r = new Random(3);
                    Transformer m = new Transformer(be, DType.F64, new Transformer.Config(V, 5, D, 2, 2, 2), lastOnly, 3);
                    perturb(m, r);
                    m.params().getLast().setMultiplier(0.5);
                    Tensor x = ids(be, r, V, B, T);
                    List<Tensor> f = m.features(m.values(), x);
                    String what = be.name() + (lastOnly ? " last position" : " all positions");
                    assertEquals(3, f.size(), what + ": two blocks and LN_f");
                    for (Tensor h : f) {
                        assertArrayEquals(new int[] {lastOnly ? B : B * T, D}, h.shape(), what);
                    }
                    Readout ro = m.readout(m.values());
                    assertNull(ro.bias(), what);
                    assertArrayEquals(new int[] {V, D}, ro.weight().shape(), what);
                    assertArrayEquals(m.forward(x).toDoubles(), f.getLast().matmul(ro.weight(), false, true).toDoubles(),
                            what + ": readout(features.last) = forward, bitwise");
                }
            }
        }
    }

    /**
     * Entry 0 of a two-block model is the stream after its first block: the same as for a one-block model with that
     * block, whose stream after its block is what LN_f normalizes; the last entry is LN_f of the entry before it.
     */
    @Test
    void entriesAreTheStreamAfterEachBlockThenTheFinalLayerNorm() {
        Backend be = new RefBackend();
        try (Scope _ = Scope.open()) {
            Random r = new Random(5);
            Transformer two = new Transformer(be, DType.F64, new Transformer.Config(V, T, D, 2, 2, 2), false, 8);
            Transformer one = new Transformer(be, DType.F64, new Transformer.Config(V, T, D, 2, 1, 2), false, 8);
            perturb(two, r);
            List<Tensor> w2 = two.values();
            List<Tensor> w1 = new ArrayList<>(w2.subList(0, 12));
            w1.addAll(w2.subList(22, 25));
            Tensor x = ids(be, r, V, B, T);
            List<Tensor> f2 = two.features(w2, x);
            List<Tensor> f1 = one.features(w1, x);
            assertEquals(2, f1.size());
            assertArrayEquals(f1.get(0).toDoubles(), f2.get(0).toDoubles(), "the stream after block 1");
            double[] g = w2.get(22).toDoubles();
            double[] b = w2.get(23).toDoubles();
            assertArrayEquals(layerNorm(f1.get(0).toDoubles(), g, b), f1.get(1).toDoubles(), 1e-12, "LN_f(h_1)");
            assertArrayEquals(layerNorm(f2.get(1).toDoubles(), g, b), f2.get(2).toDoubles(), 1e-12, "LN_f(h_2)");
        }
    }

    /** With last-position logits every entry is the last position's rows of the all-position entry. */
    @Test
    void lastPositionFeaturesAreTheLastRowsOfAllPositions() {
        Backend be = new RefBackend();
        try (Scope _ = Scope.open()) {
            Random r = new Random(9);
            Transformer.Config c = new Transformer.Config(V, T, D, 2, 2, 2);
            Transformer all = new Transformer(be, DType.F64, c, false, 4);
            Transformer last = new Transformer(be, DType.F64, c, true, 4);
            perturb(all, r);
            Tensor x = ids(be, r, V, B, T);
            List<Tensor> fa = all.features(all.values(), x);
            List<Tensor> fl = last.features(all.values(), x);
            assertEquals(fa.size(), fl.size());
            for (int i = 0; i < fa.size(); i++) {
                double[] a = fa.get(i).toDoubles();
                double[] l = fl.get(i).toDoubles();
                for (int s = 0; s < B; s++) {
                    for (int k = 0; k < D; k++) {
                        assertEquals(a[(s * T + T - 1) * D + k], l[s * D + k], 1e-12, "entry " + i + ", sequence " + s);
                    }
                }
            }
        }
    }

    @Test
    void refusesWhatForwardRefuses() {
        Backend be = new RefBackend();
        try (Scope _ = Scope.open()) {
            Transformer m = new Transformer(be, DType.F64, new Transformer.Config(V, T, D, 2, 1, 2), false, 1);
            Exception e = assertThrows(IllegalArgumentException.class,
                    () -> m.features(m.values(), Tensor.zeros(be, DType.F64, 2, 3)));
            assertEquals("Transformer input must be I32 token ids [B, t] with 1 <= t <= 4; given F64[2, 3]", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> m.readout(m.values().subList(0, 3)));
        }
    }

    /** g ⊙ (h − mean)/√(var + 1e−5) + b over each row of d. */
    private static double[] layerNorm(double[] h, double[] g, double[] b) {
        double[] out = new double[h.length];
        for (int row = 0; row < h.length / D; row++) {
            double mean = 0;
            for (int k = 0; k < D; k++) {
                mean += h[row * D + k] / D;
            }
            double var = 0;
            for (int k = 0; k < D; k++) {
                double c = h[row * D + k] - mean;
                var += c * c / D;
            }
            for (int k = 0; k < D; k++) {
                out[row * D + k] = g[k] * (h[row * D + k] - mean) / Math.sqrt(var + 1e-5) + b[k];
            }
        }
        return out;
    }

    /** Token ids in [0, vocab) of shape [B, t]. */
    static Tensor ids(Backend be, Random r, int vocab, int... shape) {
        int[] d = new int[shape[0] * shape[1]];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextInt(vocab);
        }
        return Tensor.indices(be, d, shape);
    }

    /** Gains around 1, biases nonzero, other weights scaled by 1 + 0.2 N(0, 1). */
    static void perturb(Transformer m, Random r) {
        for (Param p : m.params()) {
            double[] v = p.value().toDoubles();
            for (int i = 0; i < v.length; i++) {
                v[i] = p.role() == Role.GAIN ? 1 + 0.3 * r.nextGaussian()
                        : p.role() == Role.BIAS ? 0.3 * r.nextGaussian() : v[i] * (1 + 0.2 * r.nextGaussian());
            }
            p.set(Tensor.of(p.value().backend(), p.value().dtype(), v, p.shape()));
        }
    }
}
