package carnot.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Linearized;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.ParamVector;
import carnot.engine.Role;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Gradients and Hessian-vector products of every model at fixed weights agree with central finite differences of
 * the loss (gradient, along random directions and single coordinates) and of the gradient (HVP), in f64.
 */
class ModelParityTest {
    private final Backend be = new RefBackend();
    private Scope scope;

    @BeforeEach
    void open() {
        scope = Scope.open();
    }

    @AfterEach
    void close() {
        scope.close();
    }

    private Tensor randn(Random r, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = r.nextGaussian();
        }
        return Tensor.of(be, DType.F64, d, shape);
    }

    private Tensor ids(Random r, int vocab, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        int[] d = new int[n];
        for (int i = 0; i < n; i++) {
            d[i] = r.nextInt(vocab);
        }
        return Tensor.indices(be, d, shape);
    }

    /** Randomizes every parameter (gains around 1, biases nonzero) so no derivative vanishes by symmetry. */
    private static void perturb(Model m, Random r) {
        for (Param p : m.params()) {
            double[] v = p.value().toDoubles();
            for (int i = 0; i < v.length; i++) {
                v[i] = p.role() == Role.GAIN ? 1 + 0.3 * r.nextGaussian()
                        : p.role() == Role.BIAS ? 0.3 * r.nextGaussian() : v[i] * (1 + 0.2 * r.nextGaussian());
            }
            p.set(Tensor.of(p.value().backend(), p.value().dtype(), v, p.shape()));
        }
    }

    private static double lossAt(Model m, Loss loss, DataSet d, ParamVector w) {
        try (Scope s = Scope.open()) {
            return loss.apply(m.forward(w.parts(), d.x(0, d.size())), d.y(0, d.size())).item();
        }
    }

    private static ParamVector shifted(ParamVector w, ParamVector v, double eps) {
        List<Tensor> l = new ArrayList<>();
        for (int i = 0; i < w.parts().size(); i++) {
            l.add(w.get(i).add(v.get(i).mul(eps)));
        }
        return new ParamVector(l);
    }

    private static void setAll(Model m, ParamVector w) {
        for (int i = 0; i < w.parts().size(); i++) {
            m.params().get(i).set(w.get(i));
        }
    }

    /** Checks grad·v and H v against central differences along 3 random directions, and 5 single coordinates. */
    private void check(Model m, Loss loss, DataSet data, String what) {
        double eps = 1e-5;
        Grad g = Grad.of(m, loss, data);
        assertEquals(lossAt(m, loss, data, ParamVector.of(m)), g.loss(), 1e-12 * Math.abs(g.loss()), what + " loss");
        ParamVector w0 = ParamVector.of(m);
        for (int k = 0; k < 3; k++) {
            ParamVector v = ParamVector.randn(m, 100 + k);
            double fd = (lossAt(m, loss, data, shifted(w0, v, eps)) - lossAt(m, loss, data, shifted(w0, v, -eps)))
                    / (2 * eps);
            double an = g.grad().dot(v);
            assertEquals(fd, an, 1e-7 * Math.max(1, Math.abs(an)), what + " grad·v direction " + k);
            double[] hv = Hessian.of(m, loss, data).apply(v).flatten().toDoubles();
            try (Linearized lin = Hessian.of(m, loss, data, 2).linearize()) {
                assertArrayEquals(Hessian.of(m, loss, data, 2).apply(v).flatten().toDoubles(),
                        lin.apply(v).flatten().toDoubles(), what + ": linearized product equals the fresh pass bitwise");
            }
            setAll(m, shifted(w0, v, eps));
            double[] gp = Grad.of(m, loss, data).grad().flatten().toDoubles();
            setAll(m, shifted(w0, v, -eps));
            double[] gm = Grad.of(m, loss, data).grad().flatten().toDoubles();
            setAll(m, w0);
            double scale = 0;
            for (double h : hv) {
                scale = Math.max(scale, Math.abs(h));
            }
            assertTrue(scale > 0, what + " HVP is not identically zero");
            for (int i = 0; i < hv.length; i++) {
                assertEquals((gp[i] - gm[i]) / (2 * eps), hv[i], 1e-6 * Math.max(1, scale), what + " Hv[" + i + "]");
            }
        }
        double[] flat = g.grad().flatten().toDoubles();
        Random r = new Random(5);
        for (int k = 0; k < 5; k++) {
            int i = r.nextInt(flat.length);
            double[] e = new double[flat.length];
            e[i] = 1;
            ParamVector ei = ParamVector.unflatten(m, Tensor.of(be, DType.F64, e, flat.length));
            double fd = (lossAt(m, loss, data, shifted(w0, ei, eps)) - lossAt(m, loss, data, shifted(w0, ei, -eps)))
                    / (2 * eps);
            assertEquals(fd, flat[i], 1e-7 * Math.max(1, Math.abs(flat[i])), what + " dL/dw[" + i + "]");
        }
    }

    /** MLP (tanh, biases) with MSE: gradient and HVP equal finite differences. */
    @Test
    void mlpTanhMse() {
        Random r = new Random(1);
        Mlp m = new Mlp(be, DType.F64, new int[] {4, 6, 5, 3}, Activation.TANH, true, 7);
        perturb(m, r);
        check(m, Loss.MSE, new ArrayDataSet(randn(r, 8, 4), randn(r, 8, 3)), "mlp tanh mse");
    }

    /** MLP (gelu, softplus, sigmoid) with cross-entropy: gradient and HVP equal finite differences. */
    @Test
    void mlpSmoothActivationsCe() {
        Random r = new Random(2);
        for (Activation a : List.of(Activation.GELU, Activation.SOFTPLUS, Activation.SIGMOID)) {
            Mlp m = new Mlp(be, DType.F64, new int[] {3, 5, 4}, a, true, 3);
            perturb(m, r);
            check(m, Loss.CE, new ArrayDataSet(randn(r, 7, 3), ids(r, 4, 7)), "mlp " + a + " ce");
        }
    }

    /** Deep linear network: no biases, identity activation; gradient and HVP equal finite differences. */
    @Test
    void deepLinear() {
        Random r = new Random(3);
        Mlp m = Mlp.deepLinear(be, DType.F64, new int[] {3, 4, 4, 2}, 11);
        assertEquals(List.of("layers.0.weight", "layers.1.weight", "layers.2.weight"),
                m.params().stream().map(Param::name).toList());
        check(m, Loss.MSE, new ArrayDataSet(randn(r, 6, 3), randn(r, 6, 2)), "deep linear");
    }

    /** Transformer, next-token CE at every position: gradient and HVP equal finite differences. */
    @Test
    void transformerAllPositions() {
        Random r = new Random(4);
        Transformer m = new Transformer(be, DType.F64, new Transformer.Config(5, 4, 4, 2, 1, 2), false, 9);
        perturb(m, r);
        check(m, Loss.CE, new ArrayDataSet(ids(r, 5, 3, 4), ids(r, 5, 3, 4)), "transformer all positions");
    }

    /** Transformer with two blocks and one target per sequence (last position). */
    @Test
    void transformerLastPosition() {
        Random r = new Random(6);
        Transformer m = new Transformer(be, DType.F64, new Transformer.Config(6, 3, 4, 1, 2, 1), true, 9);
        perturb(m, r);
        check(m, Loss.CE, new ArrayDataSet(ids(r, 6, 4, 3), ids(r, 6, 4)), "transformer last position");
    }

    /**
     * The fused attention op and the decomposed attention ops give the same transformer loss, gradient and HVP (f64,
     * relative 1e-12), and the fused model's linearized HVP equals its fresh one bitwise, on the reference, CPU and
     * emulated CUDA backends, all positions and last position, one and two blocks.
     */
    @Test
    void fusedAttentionEqualsDecomposedAttention() {
        try (Backend cpu = new carnot.kernels.CpuBackend(2); Backend emu = carnot.kernels.cuda.CudaBackend.emulated()) {
            for (Backend b : List.of(be, cpu, emu)) {
                for (boolean lastOnly : new boolean[] {false, true}) {
                    Random r = new Random(lastOnly ? 21 : 22);
                    Transformer.Config c = new Transformer.Config(7, 6, 8, 2, 2, 2);
                    Transformer fused = new Transformer(b, DType.F64, c, lastOnly, 3, true);
                    Transformer plain = new Transformer(b, DType.F64, c, lastOnly, 3, false);
                    perturb(fused, r);
                    for (int i = 0; i < fused.params().size(); i++) {
                        plain.params().get(i).set(fused.params().get(i).value());
                    }
                    int[] xs = new int[4 * 6];
                    for (int i = 0; i < xs.length; i++) {
                        xs[i] = r.nextInt(7);
                    }
                    int[] ys = new int[lastOnly ? 4 : 4 * 6];
                    for (int i = 0; i < ys.length; i++) {
                        ys[i] = r.nextInt(7);
                    }
                    DataSet d = new ArrayDataSet(Tensor.indices(b, xs, 4, 6),
                            lastOnly ? Tensor.indices(b, ys, 4) : Tensor.indices(b, ys, 4, 6));
                    String what = b.name() + (lastOnly ? " last position" : " all positions");
                    Grad gf = Grad.of(fused, Loss.CE, d);
                    Grad gp = Grad.of(plain, Loss.CE, d);
                    assertEquals(gp.loss(), gf.loss(), 1e-12 * Math.abs(gp.loss()), what + " loss");
                    assertClose(gp.grad().flatten().toDoubles(), gf.grad().flatten().toDoubles(), 1e-12, what + " grad");
                    ParamVector v = ParamVector.randn(fused, 7);
                    ParamVector vp = ParamVector.randn(plain, 7);
                    double[] hv = Hessian.of(fused, Loss.CE, d).apply(v).flatten().toDoubles();
                    assertClose(Hessian.of(plain, Loss.CE, d).apply(vp).flatten().toDoubles(), hv, 1e-12, what + " HVP");
                    // the replay runs attention's rules after the recording pass's scope has closed: what they hold
                    // (the log-sum-exp) must still be there, and the product is the fresh one bitwise
                    try (Linearized lin = Hessian.of(fused, Loss.CE, d).linearize()) {
                        for (int rep = 0; rep < 2; rep++) {
                            assertArrayEquals(hv, lin.apply(v).flatten().toDoubles(),
                                    what + " linearized HVP, product " + rep);
                        }
                    }
                }
            }
        }
    }

    private static void assertClose(double[] want, double[] got, double rel, String what) {
        double scale = 0;
        for (double w : want) {
            scale = Math.max(scale, Math.abs(w));
        }
        assertTrue(scale > 0, what + " is identically zero");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], rel * scale, what + "[" + i + "]");
        }
    }

    /**
     * Last-position logits (computed with the last block's query, MLP and readout at the last row only) equal the
     * last row of the all-position forward with the same weights, for one and two blocks.
     */
    @Test
    void lastPositionEqualsLastRowOfAllPositions() {
        Random r = new Random(11);
        int v = 7;
        int t = 4;
        for (int layers = 1; layers <= 2; layers++) {
            Transformer.Config c = new Transformer.Config(v, t, 8, 2, layers, 2);
            Transformer all = new Transformer(be, DType.F64, c, false, 5);
            Transformer last = new Transformer(be, DType.F64, c, true, 5);
            perturb(all, r);
            for (int i = 0; i < all.params().size(); i++) {
                last.params().get(i).set(all.params().get(i).value());
            }
            Tensor x = ids(r, v, 3, t);
            double[] full = all.forward(x).toDoubles();
            double[] out = last.forward(x).toDoubles();
            assertEquals(3 * v, out.length, "one row of logits per sequence");
            for (int b = 0; b < 3; b++) {
                for (int k = 0; k < v; k++) {
                    assertEquals(full[(b * t + t - 1) * v + k], out[b * v + k], 1e-12,
                            layers + " block(s), sequence " + b + ", logit " + k);
                }
            }
        }
    }

    /** Causal mask: changing the token at position j never changes the logits at positions before j. */
    @Test
    void causalMask() {
        Random r = new Random(8);
        int t = 5;
        int v = 6;
        Transformer m = new Transformer(be, DType.F64, new Transformer.Config(v, t, 8, 2, 2, 2), false, 1);
        perturb(m, r);
        int[] tokens = {1, 4, 2, 0, 5};
        double[] base = m.forward(Tensor.indices(be, tokens, 1, t)).toDoubles();
        for (int j = 0; j < t; j++) {
            int[] changed = tokens.clone();
            changed[j] = (changed[j] + 3) % v;
            double[] out = m.forward(Tensor.indices(be, changed, 1, t)).toDoubles();
            for (int i = 0; i < t * v; i++) {
                if (i / v < j) {
                    assertEquals(base[i], out[i], 0.0, "position " + i / v + " changed with token " + j);
                }
            }
            boolean moved = false;
            for (int i = j * v; i < (j + 1) * v; i++) {
                moved |= base[i] != out[i];
            }
            assertTrue(moved, "position " + j + " must depend on its own token");
        }
        double[] shorter = m.forward(Tensor.indices(be, new int[] {1, 4, 2}, 1, 3)).toDoubles();
        for (int i = 0; i < 3 * v; i++) {
            assertEquals(base[i], shorter[i], 1e-12, "a prefix gives the same logits");
        }
    }

    /** The forward multiplier is applied: multiplier m on a weight equals the weight scaled by m. */
    @Test
    void multiplierScalesWeight() {
        Random r = new Random(9);
        Mlp m = new Mlp(be, DType.F64, new int[] {3, 4, 2}, Activation.TANH, true, 2);
        Tensor x = randn(r, 5, 3);
        Param p = m.params().get(0);
        Tensor w = p.value();
        p.setMultiplier(2.5);
        double[] a = m.forward(x).toDoubles();
        p.setMultiplier(1);
        p.set(w.mul(2.5));
        assertArrayEquals(m.forward(x).toDoubles(), a, 1e-14);
    }

    /** MLP forward equals the documented decomposition h = tanh(x W0ᵀ + b0) W1ᵀ + b1 computed by hand. */
    @Test
    void mlpForwardMatchesFormula() {
        Random r = new Random(10);
        Mlp m = new Mlp(be, DType.F64, new int[] {2, 3, 1}, Activation.TANH, true, 4);
        perturb(m, r);
        double[] w0 = m.params().get(0).value().toDoubles();
        double[] b0 = m.params().get(1).value().toDoubles();
        double[] w1 = m.params().get(2).value().toDoubles();
        double b1 = m.params().get(3).value().toDoubles()[0];
        double[] x = {0.3, -1.2};
        double out = b1;
        for (int j = 0; j < 3; j++) {
            out += w1[j] * Math.tanh(w0[2 * j] * x[0] + w0[2 * j + 1] * x[1] + b0[j]);
        }
        assertEquals(out, m.forward(Tensor.of(be, DType.F64, x, 1, 2)).item(), 1e-14);
    }

    /** Names, shapes and roles follow the README; one seed gives the same weights, another seed different ones. */
    @Test
    void namesRolesAndSeededInit() {
        Transformer t = new Transformer(be, DType.F64, new Transformer.Config(5, 4, 4, 2, 1, 2), false, 3);
        List<String> names = t.params().stream().map(Param::name).toList();
        assertEquals(List.of("tok_emb.weight", "pos_emb.weight", "blocks.0.ln1.weight", "blocks.0.ln1.bias",
                "blocks.0.attn.query.weight", "blocks.0.attn.key.weight", "blocks.0.attn.value.weight",
                "blocks.0.attn.proj.weight", "blocks.0.ln2.weight", "blocks.0.ln2.bias", "blocks.0.mlp.fc.weight",
                "blocks.0.mlp.proj.weight", "ln_f.weight", "ln_f.bias", "head.weight"), names);
        assertEquals(Role.ATTN_LOGIT, t.params().get(4).role());
        assertArrayEquals(new int[] {4, 8}, t.params().get(11).shape());
        Mlp a = new Mlp(be, DType.F64, new int[] {3, 4, 2}, Activation.RELU, true, 5);
        Mlp b = new Mlp(be, DType.F64, new int[] {3, 4, 2}, Activation.RELU, true, 5);
        Mlp c = new Mlp(be, DType.F64, new int[] {3, 4, 2}, Activation.RELU, true, 6);
        assertArrayEquals(a.params().get(0).value().toDoubles(), b.params().get(0).value().toDoubles(), 0.0);
        assertNotEquals(a.params().get(0).value().toDoubles()[0], c.params().get(0).value().toDoubles()[0]);
        assertNotEquals(a.params().get(0).value().toDoubles()[0], a.params().get(2).value().toDoubles()[0],
                "distinct offsets per parameter");
        assertEquals(List.of(Role.INPUT, Role.BIAS, Role.READOUT, Role.BIAS),
                a.params().stream().map(Param::role).toList());
        assertThrows(IllegalArgumentException.class, () -> a.forward(randn(new Random(1), 2, 5)));
    }

    /** The same seed gives bitwise the same initial weights on the reference and the CPU backend (Philox stream). */
    @Test
    void sameWeightsOnEveryBackend() {
        try (Backend cpu = carnot.kernels.BackendSelector.select("cpu").backend()) {
            for (DType dt : List.of(DType.F64, DType.F32)) {
                Transformer a = new Transformer(be, dt, new Transformer.Config(5, 4, 4, 2, 1, 2), false, 13);
                Transformer b = new Transformer(cpu, dt, new Transformer.Config(5, 4, 4, 2, 1, 2), false, 13);
                for (int i = 0; i < a.params().size(); i++) {
                    assertArrayEquals(a.params().get(i).value().toDoubles(), b.params().get(i).value().toDoubles(), 0.0,
                            a.params().get(i).name() + " " + dt);
                }
            }
        }
    }
}
