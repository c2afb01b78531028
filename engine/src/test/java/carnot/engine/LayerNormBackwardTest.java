package carnot.engine;

import carnot.engine.ops.LayerNorm;
import carnot.engine.ops.Primitive;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The first-order vjp of {@link LayerNorm} (plain x, output and cotangent) is the backend's
 * {@code layerNormBackward} on the mean and rstd of the forward's row pass (kept by the primitive, or recomputed by
 * one row pass when it did not see this x): bitwise those two kernel calls, and equal to the decomposed definition's
 * vjp and to the Tensor-algebra rule {@link LayerNorm#jacobian} (f64 1e-12 relative per row; f32 within
 * {@link #F32_BOUND} of the f64 decomposed vjp of the same values), on the reference and the CPU backend, rows 1,
 * 7 and 33, cols 1, 5, 16, 37 and 128 (vector tails included). Through a small transformer the gradient equals the
 * one taking the Tensor-algebra rule everywhere, and Hessian-vector products (which differentiate the vjp again and
 * so still take that rule) are bitwise unchanged.
 */
class LayerNormBackwardTest {
    static final Backend REF = new RefBackend();
    static final Backend CPU = new CpuBackend(2);
    static final double EPS = 1e-5;
    /**
     * f32 against the f64 decomposed vjp of the same values, per row: 16 units of 2^-24 times the rows' largest
     * magnitude ratio {@code (|mean| + std) / std}, 3 here (mean and rstd are stored in f32, so the centring error
     * scales with it): 2.9e-6. Measured: at most 5.6e-7 (the Tensor-algebra rule in f32: 4.8e-7).
     */
    static final double F32_BOUND = 16 * 0x1p-24 * 3;
    static final int[] ROWS = {1, 7, 33};
    static final int[] COLS = {1, 5, 16, 37, 128};

    @AfterAll
    static void close() {
        REF.close();
        CPU.close();
    }

    /** Rows of mean in [-1, 1] and spread in [0.5, 2], so that {@code (|mean| + std) / std <= 3}. */
    static double[] rows(int rows, int cols, long seed) {
        Random r = new Random(seed);
        double[] d = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            double mu = 2 * r.nextDouble() - 1;
            double s = 0.5 + 1.5 * r.nextDouble();
            for (int j = 0; j < cols; j++) {
                d[i * cols + j] = mu + s * r.nextGaussian();
            }
        }
        return d;
    }

    /** The vjp of {@code f} at x with cotangent g, through reverse mode (first order: no graph on the result). */
    static Tensor vjp(java.util.function.UnaryOperator<Tensor> f, Tensor x, Tensor g) {
        Tensor xv = x.variable();
        return Autodiff.backward(f.apply(xv), g, List.of(xv), false).getFirst();
    }

    /** max over rows of {@code ||a_r - b_r|| / ||b_r||} (0 for rows where both are exactly zero). */
    static double rowErr(double[] a, double[] b, int cols) {
        double worst = 0;
        for (int r = 0; r * cols < b.length; r++) {
            double d = 0;
            double n = 0;
            for (int j = r * cols; j < (r + 1) * cols; j++) {
                d += (a[j] - b[j]) * (a[j] - b[j]);
                n += b[j] * b[j];
            }
            worst = Math.max(worst, d == 0 ? 0 : Math.sqrt(d / n));
        }
        return worst;
    }

    /** The two kernel calls of the first-order path, made directly on the buffers. */
    static double[] kernels(Tensor x, Tensor g, int rows, int cols) {
        Backend be = x.backend();
        DType dt = x.dtype();
        try (Tensor dx = Tensor.empty(be, dt, x.shape()); Tensor mean = Tensor.empty(be, dt, rows);
             Tensor rstd = Tensor.empty(be, dt, rows)) {
            be.layerNorm(x.buffer(), dx.buffer(), mean.buffer(), rstd.buffer(), rows, cols, EPS);
            be.layerNormBackward(g.buffer(), x.buffer(), mean.buffer(), rstd.buffer(), dx.buffer(), rows, cols);
            return dx.toDoubles();
        }
    }

    @Test
    void firstOrderVjpIsTheRowKernelAndEqualsTheDecomposedVjp() {
        long seed = 1;
        for (Backend be : List.of(REF, CPU)) {
            for (DType dt : List.of(DType.F64, DType.F32)) {
                for (int rows : ROWS) {
                    for (int cols : COLS) {
                        try (Scope s = Scope.open()) {
                            String at = be.name() + " " + dt + " " + rows + "x" + cols;
                            // rank 3 when rows splits, to cover the leading axes
                            int[] shape = rows == 33 ? new int[]{3, 11, cols} : new int[]{rows, cols};
                            Tensor x = Tensor.of(be, dt, rows(rows, cols, seed++), shape);
                            Tensor g = Tensor.of(be, dt, rows(rows, cols, seed++), shape);
                            double[] fast = vjp(t -> t.layerNorm(EPS), x, g).toDoubles();
                            double[] direct = kernels(x, g, rows, cols);
                            assertArrayEquals(direct, fast,
                                    at + ": the first-order vjp must be the layerNorm and layerNormBackward kernels");
                            // without the statistics of its own forward: an instance never applied, and one whose
                            // forward saw another x, recompute them
                            boolean[] need = {true};
                            Tensor out = x.layerNorm(EPS);
                            LayerNorm fresh = new LayerNorm(EPS);
                            assertArrayEquals(direct, fresh.vjp(new Tensor[]{x}, out, g, need)[0].toDoubles(),
                                    at + ": an instance never applied");
                            LayerNorm other = new LayerNorm(EPS);
                            other.forward(new Tensor[]{g});
                            assertArrayEquals(direct, other.vjp(new Tensor[]{x}, out, g, need)[0].toDoubles(),
                                    at + ": an instance applied to another tensor");
                            Tensor x64 = x.to(DType.F64);
                            Tensor g64 = g.to(DType.F64);
                            double[] decomposed = vjp(t -> LayerNorm.decomposed(t, EPS), x64, g64).toDoubles();
                            double tol = dt == DType.F64 ? 1e-12 : F32_BOUND;
                            double e = rowErr(fast, decomposed, cols);
                            assertTrue(e <= tol, at + ": vs the decomposed vjp, relative error " + e + " > " + tol);
                            double[] rule = LayerNorm.jacobian(x64, x64.layerNorm(EPS), g64, EPS).toDoubles();
                            e = rowErr(fast, rule, cols);
                            assertTrue(e <= tol, at + ": vs the Tensor-algebra rule, relative error " + e + " > " + tol);
                        }
                    }
                }
            }
        }
    }

    /**
     * Whenever x, the output or the cotangent carries a tangent or a graph, the vjp is the Tensor-algebra rule,
     * bitwise, and its result carries the tangent or the graph on.
     */
    @Test
    void anyTangentOrGraphTakesTheTensorAlgebraRule() {
        for (Backend be : List.of(REF, CPU)) {
            try (Scope s = Scope.open()) {
                Tensor x = Tensor.of(be, DType.F64, rows(7, 37, 21), 7, 37);
                Tensor g = Tensor.of(be, DType.F64, rows(7, 37, 22), 7, 37);
                Tensor t = Tensor.of(be, DType.F64, rows(7, 37, 23), 7, 37);
                Tensor out = x.layerNorm(EPS);
                LayerNorm ln = new LayerNorm(EPS);
                boolean[] need = {true};
                Tensor[][] cases = {{x.withTangent(t), out, g}, {x, out.withTangent(t), g}, {x, out, g.withTangent(t)},
                        {x.variable(), out, g}, {x, out, g.variable()}};
                for (int c = 0; c < cases.length; c++) {
                    Tensor[] a = cases[c];
                    Tensor dx = ln.vjp(new Tensor[]{a[0]}, a[1], a[2], need)[0];
                    Tensor rule = LayerNorm.jacobian(a[0], a[1], a[2], EPS);
                    String at = be.name() + " case " + c;
                    assertArrayEquals(rule.toDoubles(), dx.toDoubles(), at + ": the Tensor-algebra rule, bitwise");
                    assertEquals(c < 3, dx.tangent() != null, at + ": the tangent carried on");
                    assertEquals(c >= 3, dx.requiresGrad(), at + ": the graph carried on");
                    if (c < 3) {
                        assertArrayEquals(rule.tangent().toDoubles(), dx.tangent().toDoubles(), at + ": tangent");
                    }
                }
            }
        }
    }

    /** Layer norm whose vjp is always the Tensor-algebra rule (the engine's rule before the first-order kernel). */
    private record AlgebraLayerNorm(double eps) implements Primitive {
        @Override
        public String name() {
            return "layerNorm (Tensor-algebra vjp)";
        }

        @Override
        public Tensor forward(Tensor[] in) {
            return new LayerNorm(eps).forward(in);
        }

        @Override
        public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
            return LayerNorm.jacobian(in[0], out, t[0], eps);
        }

        @Override
        public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
            return new Tensor[]{LayerNorm.jacobian(in[0], out, g, eps)};
        }
    }

    private static TinyTransformer model(Backend be, DType dt, boolean algebra) {
        TinyTransformer m = new TinyTransformer(be, dt, 3, 7, 6, 8, 2, 2, 4);
        return algebra ? m.withLayerNorm(h -> Tensor.apply(new AlgebraLayerNorm(EPS), h)) : m;
    }

    /**
     * A transformer's gradient (three layer norms per pass on [30, 8] rows) equals the gradient with the
     * Tensor-algebra rule: 1e-12 relative in f64; f32 within {@link #F32_BOUND} relative to the f64 gradient
     * beyond the old rule's own f32 error, i.e. the first-order kernel does not make f32 gradients worse.
     */
    @Test
    void transformerGradientEqualsTheTensorAlgebraRule() {
        for (Backend be : List.of(REF, CPU)) {
            try (Scope s = Scope.open()) {
                DataSet data = TinyTransformer.tokens(be, 5, 6, 7);
                Grad fast = Grad.of(model(be, DType.F64, false), Loss.CE, data);
                Grad rule = Grad.of(model(be, DType.F64, true), Loss.CE, data);
                assertEquals(rule.loss(), fast.loss(), be.name() + ": same forward, same loss");
                Check.close(be.name() + " f64 gradient", rule.grad().toDoubles(), fast.grad().toDoubles(), 1e-12);
                double[] exact = rule.grad().toDoubles();
                double[] fast32 = Grad.of(model(be, DType.F32, false), Loss.CE, data).grad().toDoubles();
                double[] rule32 = Grad.of(model(be, DType.F32, true), Loss.CE, data).grad().toDoubles();
                double e = Check.relErr(exact, fast32, 1e-12);
                double old = Check.relErr(exact, rule32, 1e-12);
                assertTrue(e <= old + F32_BOUND, be.name() + ": f32 gradient error " + e + " vs the f64 gradient;"
                        + " required at most the Tensor-algebra rule's " + old + " + " + F32_BOUND);
            }
        }
    }

    /** Hessian-vector products (and the gradient of the same pass) never take the first-order kernel: bitwise. */
    @Test
    void hvpsStillTakeTheTensorAlgebraRule() {
        for (Backend be : List.of(REF, CPU)) {
            for (DType dt : List.of(DType.F64, DType.F32)) {
                try (Scope s = Scope.open()) {
                    DataSet data = TinyTransformer.tokens(be, 5, 6, 7);
                    Model fast = model(be, dt, false);
                    Model rule = model(be, dt, true);
                    Tensor v = Tensor.randn(be, dt, 11, 0, 1, 2, Math.toIntExact(fast.numParams()));
                    String at = be.name() + " " + dt;
                    assertArrayEquals(Hessian.of(rule, Loss.CE, data).applyFlatBatch(v).toDoubles(),
                            Hessian.of(fast, Loss.CE, data).applyFlatBatch(v).toDoubles(), at + ": HVPs bitwise");
                    ParamVector u = ParamVector.randn(fast, 12);
                    var a = Hessian.of(rule, Loss.CE, data).applyWithGradient(u);
                    var b = Hessian.of(fast, Loss.CE, data).applyWithGradient(u);
                    assertArrayEquals(a.hv().toDoubles(), b.hv().toDoubles(), at + ": HVP with gradient, bitwise");
                    assertArrayEquals(a.grad().toDoubles(), b.grad().toDoubles(),
                            at + ": the gradient of an HVP pass, bitwise");
                    try (Linearized la = Hessian.of(rule, Loss.CE, data).linearize();
                         Linearized lb = Hessian.of(fast, Loss.CE, data).linearize()) {
                        assertArrayEquals(la.applyFlatBatch(v).toDoubles(), lb.applyFlatBatch(v).toDoubles(),
                                at + ": linearized HVPs bitwise");
                    }
                }
            }
        }
    }
}
