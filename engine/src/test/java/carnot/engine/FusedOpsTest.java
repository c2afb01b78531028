package carnot.engine;

import carnot.engine.ops.Attention;
import carnot.engine.ops.LayerNorm;
import carnot.engine.ops.Affine;
import carnot.engine.ops.Gelu;
import carnot.engine.ops.GeluGrad;
import carnot.engine.ops.GeluGradTangent;
import carnot.engine.ops.Sigmoid;
import carnot.engine.ops.SigmoidGrad;
import carnot.engine.ops.SigmoidGradTangent;
import carnot.engine.ops.Log;
import carnot.engine.ops.MatMulSum;
import carnot.engine.ops.Pointwise;
import carnot.engine.ops.Tanh;
import carnot.engine.ops.TanhGradTangent;
import carnot.engine.ops.SoftmaxCrossEntropy;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fused primitives equal their decomposed definitions: value, jvp, vjp and the second-order term (tangent of
 * the vjp, i.e. the Hessian-vector product of ⟨u, f⟩) to f64 rounding.
 */
class FusedOpsTest {
    static final Backend BE = new RefBackend();

    @AfterAll
    static void close() {
        BE.close();
    }

    static double[] rnd(int n, long seed) {
        Random r = new Random(seed);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = r.nextGaussian();
        }
        return d;
    }

    /** value, J v, J^T u, and d/dε J(x + εv)^T u for f at x, all flattened into one array per quantity. */
    static double[][] derivatives(Function<Tensor, Tensor> f, Tensor x, Tensor v, double[] u) {
        return derivatives(BE, f, x, v, u);
    }

    static double[][] derivatives(Backend be, Function<Tensor, Tensor> f, Tensor x, Tensor v, double[] u) {
        try (Scope s = Scope.open()) {
            var jvp = Autodiff.jvp(xs -> f.apply(xs.getFirst()), List.of(x), List.of(v));
            Tensor xv = x.withTangent(v).variable();
            Tensor out = f.apply(xv);
            Tensor g = Autodiff.backward(out, Tensor.of(be, DType.F64, u, out.shape()), List.of(xv), false).getFirst();
            double[] second = g.tangent() == null ? new double[(int) g.size()] : g.tangent().toDoubles(); // null: zero
            return new double[][]{jvp.out().toDoubles(), jvp.tangent().toDoubles(), g.toDoubles(), second};
        }
    }

    static void same(String what, Function<Tensor, Tensor> fused, Function<Tensor, Tensor> decomposed, int... shape) {
        same(BE, what, fused, decomposed, shape);
    }

    static void same(Backend be, String what, Function<Tensor, Tensor> fused, Function<Tensor, Tensor> decomposed,
                     int... shape) {
        try (Scope s = Scope.open()) {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            Tensor x = Tensor.of(be, DType.F64, rnd(n, 1), shape);
            Tensor v = Tensor.of(be, DType.F64, rnd(n, 2), shape);
            int outSize = (int) fused.apply(x).size();
            double[] u = rnd(outSize, 3);
            double[][] a = derivatives(be, fused, x, v, u);
            double[][] b = derivatives(be, decomposed, x, v, u);
            String[] names = {"value", "jvp", "vjp", "second order"};
            for (int i = 0; i < 4; i++) {
                Check.close(what + " " + names[i] + " fused vs decomposed", b[i], a[i], 1e-12);
            }
        }
    }

    @Test
    void tanhGradTangentFusedEqualsDecomposedToSecondOrder() {
        same("tanhGradTangent",
                t -> Tensor.apply(new TanhGradTangent(), t, t.mul(0.5).add(0.3), t.tanh(), t.mul(t)),
                t -> TanhGradTangent.decomposed(t, t.mul(0.5).add(0.3), t.tanh(), t.mul(t)), 5, 7);
    }

    /**
     * The fused GELU and sigmoid backward products and their tangents (one kernel each) equal their decomposed
     * definitions to second order (f64, 1e-12), on the reference, the CPU and the CUDA backend (host emulation);
     * x spans [-7, 7] so the tanh saturates in some elements. GeluGrad's jvp is the fused GeluGradTangent (checked
     * against autodiff of gelu' in tensor algebra), GeluGradTangent's partials use gelu''' (checked against autodiff
     * of gelu'').
     */
    @Test
    void activationBackwardsFusedEqualDecomposedToSecondOrder() {
        try (Backend cpu = new carnot.kernels.CpuBackend(2);
             Backend emu = carnot.kernels.cuda.CudaBackend.emulated()) {
            for (Backend be : List.of(BE, cpu, emu)) {
                String on = " on " + be.name();
                same(be, "geluGrad" + on, t -> Tensor.apply(new GeluGrad(), t.mul(0.5).add(0.3), t.mul(2.5)),
                        t -> GeluGrad.decomposed(t.mul(0.5).add(0.3), t.mul(2.5)), 5, 7);
                same(be, "geluGradTangent" + on,
                        t -> Tensor.apply(new GeluGradTangent(), t, t.mul(0.5).add(0.3), t.mul(2.5), t.mul(t)),
                        t -> GeluGradTangent.decomposed(t, t.mul(0.5).add(0.3), t.mul(2.5), t.mul(t)), 5, 7);
                same(be, "sigmoidGrad" + on, t -> Tensor.apply(new SigmoidGrad(), t.mul(0.5).add(0.3), t.sigmoid()),
                        t -> SigmoidGrad.decomposed(t.mul(0.5).add(0.3), t.sigmoid()), 5, 7);
                same(be, "sigmoidGradTangent" + on,
                        t -> Tensor.apply(new SigmoidGradTangent(), t, t.mul(0.5).add(0.3), t.sigmoid(), t.mul(t)),
                        t -> SigmoidGradTangent.decomposed(t, t.mul(0.5).add(0.3), t.sigmoid(), t.mul(t)), 5, 7);
                for (Pointwise p : List.<Pointwise>of(new Gelu(), new Sigmoid())) {
                    same(be, p.name() + on, t -> Tensor.apply(p, t.mul(2.5)),
                            t -> Tensor.apply(new Decomposed(p), t.mul(2.5)), 3, 5);
                }
                assertEquals(0, be instanceof carnot.kernels.cuda.CudaBackend c ? c.liveBuffers() : 0,
                        "buffers leaked on " + be.name());
            }
        }
    }

    @Test
    void layerNormFusedEqualsDecomposedToSecondOrder() {
        same("layerNorm", t -> t.layerNorm(1e-5), t -> LayerNorm.decomposed(t, 1e-5), 4, 9);
    }

    @Test
    void softmaxCrossEntropyFusedEqualsDecomposedToSecondOrder() {
        Random r = new Random(5);
        double[] q = new double[6 * 7];
        for (int i = 0; i < 6; i++) {
            q[i * 7 + r.nextInt(7)] = 1;
        }
        Tensor target = Tensor.of(BE, DType.F64, q, 6, 7);
        same("softmaxCrossEntropy", t -> Tensor.apply(new SoftmaxCrossEntropy(), t, target),
                t -> SoftmaxCrossEntropy.decomposed(t, target), 6, 7);
        int[] ids = {1, 0, 3, 2, 2, 6};
        Tensor y = Tensor.indices(BE, ids, 6);
        same("Loss.CE", t -> Loss.CE.apply(t, y, 6), t -> Loss.crossEntropyDecomposed(t, y, 6), 6, 7);
    }

    /** The parts of a flat x: A [2, 3, 5], B [4, 5], c [4] (all carry x's tangent). */
    private static Tensor part(Tensor x, int from, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return x.slice(0, from, from + n).reshape(shape);
    }

    /**
     * Fused attention (its kernel forward, the AttentionBackward kernel in the vjp, the AttentionJvp kernel in the
     * jvp, Tensor-algebra second-order rules) equals the decomposed ops, on the reference and the CPU backend: causal
     * Tq = Tk (T = 1, 7 and 33, odd dh), a last-position query (Tq = 1) and Tq < Tk.
     */
    @Test
    void attentionFusedEqualsDecomposedToSecondOrder() {
        int[][] shapes = {{2, 7, 3, 5}, {1, 1, 2, 3}, {2, 33, 2, 4}};
        try (Backend cpu = new carnot.kernels.CpuBackend(2)) {
            for (Backend be : List.of(BE, cpu)) {
                for (int[] sh : shapes) {
                    int n = sh[0] * sh[1] * sh[2] * sh[3];
                    double scale = 1 / Math.sqrt(sh[3]);
                    same(be, "attention " + be.name() + " " + java.util.Arrays.toString(sh),
                            t -> part(t, 0, sh).attention(part(t, n, sh), part(t, 2 * n, sh), scale),
                            t -> Attention.decomposed(part(t, 0, sh), part(t, n, sh), part(t, 2 * n, sh), scale), 3 * n);
                }
                int[] q1 = {2, 1, 3, 4};
                int[] kv = {2, 6, 3, 4};
                same(be, "attention last query " + be.name(),
                        t -> part(t, 0, q1).attention(part(t, 24, kv), part(t, 168, kv), 0.5),
                        t -> Attention.decomposed(part(t, 0, q1), part(t, 24, kv), part(t, 168, kv), 0.5), 312);
                int[] q3 = {1, 3, 2, 5};
                int[] k5 = {1, 5, 2, 5};
                same(be, "attention Tq < Tk " + be.name(),
                        t -> part(t, 0, q3).attention(part(t, 30, k5), part(t, 80, k5), 0.4),
                        t -> Attention.decomposed(part(t, 0, q3), part(t, 30, k5), part(t, 80, k5), 0.4), 130);
            }
        }
    }

    @Test
    void matmulBiasFusedEqualsDecomposedToSecondOrder() {
        same("matmulBias (A, B, c all vary)",
                t -> part(t, 0, 2, 3, 5).matmulAdd(part(t, 30, 4, 5), part(t, 50, 4), false, true),
                t -> part(t, 0, 2, 3, 5).matmul(part(t, 30, 4, 5), false, true).add(part(t, 50, 4)), 54);
        Tensor a = Tensor.of(BE, DType.F64, rnd(15, 7), 3, 5);
        same("tanh of matmulBias (A fixed, as a first layer)",
                t -> a.matmulAdd(part(t, 0, 4, 5), part(t, 20, 4), false, true).tanh(),
                t -> a.matmul(part(t, 0, 4, 5), false, true).add(part(t, 20, 4)).tanh(), 24);
        Tensor b = Tensor.of(BE, DType.F64, rnd(20, 8), 5, 4);
        same("tanh of matmulBias (B fixed, addend [3, 1])",
                t -> part(t, 0, 3, 5).matmulAdd(b, part(t, 15, 3, 1), false, false).tanh(),
                t -> part(t, 0, 3, 5).matmul(b).add(part(t, 15, 3, 1)).tanh(), 18);
    }

    @Test
    void matmulSumWithAddendEqualsDecomposedToSecondOrder() {
        same("matmulSum + c",
                t -> Tensor.apply(new MatMulSum(false, true), part(t, 0, 3, 5), part(t, 15, 4, 5), part(t, 35, 3, 2),
                        part(t, 41, 4, 2), part(t, 49, 4)),
                t -> part(t, 0, 3, 5).matmul(part(t, 15, 4, 5), false, true)
                        .add(part(t, 35, 3, 2).matmul(part(t, 41, 4, 2), false, true)).add(part(t, 49, 4)), 53);
    }

    /** A pointwise primitive with its own forward and derivative but the default product {@code a ⊙ f'(x)}. */
    record Decomposed(Pointwise p) implements Pointwise {
        @Override
        public String name() {
            return "decomposed " + p.name();
        }

        @Override
        public Tensor forward(Tensor[] in) {
            return p.forward(in);
        }

        @Override
        public Tensor derivative(Tensor x, Tensor out) {
            return p.derivative(x, out);
        }
    }

    @Test
    void pointwiseFusedProductsEqualTheirDerivativeRuleToSecondOrder() {
        for (Pointwise p : List.<Pointwise>of(new Tanh(), new Affine(-1.5, 0.25), new Affine(1, 2))) {
            same(p.name() + " " + p, t -> Tensor.apply(p, t), t -> Tensor.apply(new Decomposed(p), t), 3, 5);
        }
        Pointwise log = new Log();
        same("log", t -> Tensor.apply(log, t.square().add(0.5)),
                t -> Tensor.apply(new Decomposed(log), t.square().add(0.5)), 3, 5);
    }

    /**
     * Gelu's first-order product takes f'(x) from the CPU backend's one-pass kernel: bitwise equal to the
     * derivative rule's separate kernels, in f32 and f64, for sizes with and without a vector tail and over
     * several parallel chunks. With a tangent on x (second order), and on backends without that kernel (the
     * reference, CUDA), the product is the fused GeluGrad, equal to the rule to rounding
     * ({@link #activationBackwardsFusedEqualDecomposedToSecondOrder}).
     */
    @Test
    void geluFirstOrderProductIsBitwiseTheDerivativeRule() {
        Gelu gelu = new Gelu();
        try (Backend cpu = new carnot.kernels.CpuBackend(2)) {
            for (Backend be : List.of(cpu)) {
                for (DType dt : new DType[]{DType.F32, DType.F64}) {
                    for (int n : new int[]{1, 7, 64, 1003, 70_001}) {
                        try (Scope s = Scope.open()) {
                            double[] xs = rnd(n, 11);
                            for (int i = 0; i < n; i += 97) {
                                xs[i] *= 8; // some arguments where tanh saturates
                            }
                            Tensor x = Tensor.of(be, dt, xs, n);
                            Tensor a = Tensor.of(be, dt, rnd(n, 12), n);
                            double[] fused = gelu.times(a, x, null).toDoubles();
                            double[] rule = a.mul(gelu.derivative(x, null)).toDoubles();
                            for (int i = 0; i < n; i++) {
                                if (Double.doubleToRawLongBits(fused[i]) != Double.doubleToRawLongBits(rule[i])) {
                                    throw new AssertionError(be.name() + " " + dt + " n = " + n + ": element " + i
                                            + " is " + fused[i] + ", the derivative rule gives " + rule[i]);
                                }
                            }
                        }
                    }
                }
            }
        }
        same("gelu", t -> Tensor.apply(gelu, t), t -> Tensor.apply(new Decomposed(gelu), t), 3, 5);
    }
}
