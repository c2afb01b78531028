package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exactness of full-batch gradients, Hessian-vector products, Gauss-Newton products and Jacobian products. */
class HvpTest {
    static final Backend BE = new RefBackend();

    @AfterAll
    static void close() {
        BE.close();
    }

    static DataSet regression(DType dt, int n, int in, int out, long seed) {
        Tensor x = Tensor.randn(BE, dt, seed, 0, 1, n, in);
        Tensor y = Tensor.randn(BE, dt, seed, 1_000_000, 1, n, out);
        return new ArrayDataSet(x, y);
    }

    static DataSet classification(DType dt, int n, int in, int classes, long seed) {
        Tensor x = Tensor.randn(BE, dt, seed, 0, 1, n, in);
        Random r = new Random(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(classes);
        }
        return new ArrayDataSet(x, Tensor.indices(BE, ids, n));
    }

    /** Gradient at w + h v (flat), via the public API, restoring the parameters afterwards. */
    static double[] gradAt(Model m, Loss loss, DataSet d, double[] v, double h) {
        var saved = m.values();
        ParamVector dir = ParamVector.unflatten(m, Tensor.of(BE, saved.getFirst().dtype(), v, v.length));
        for (int i = 0; i < saved.size(); i++) {
            m.params().get(i).set(saved.get(i).add(dir.get(i).mul(h)));
        }
        double[] g = Grad.of(m, loss, d, 7).grad().flatten().toDoubles();
        for (int i = 0; i < saved.size(); i++) {
            m.params().get(i).set(saved.get(i));
        }
        return g;
    }

    static double[] randomVec(int n, long seed) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
        }
        return v;
    }

    @Test
    void hvpMatchesFiniteDifferencesOfGradientsMseAndCe() {
        try (Scope s = Scope.open()) {
            for (Loss loss : Loss.values()) {
                Model m = new TinyMlp(BE, DType.F64, 3, true, 4, 6, 5, 3);
                DataSet d = loss == Loss.MSE ? regression(DType.F64, 20, 4, 3, 5) : classification(DType.F64, 20, 4, 3, 5);
                int p = (int) m.numParams();
                double[] v = randomVec(p, 9);
                Tensor hv = Hessian.of(m, loss, d, 8).applyFlat(Tensor.of(BE, DType.F64, v, p));
                double[] fd = Check.central(h -> gradAt(m, loss, d, v, h), 1e-5);
                Check.close(loss + " H v vs finite differences of gradients", fd, hv.toDoubles(), 1e-6);
            }
        }
    }

    @Test
    void hvpIsSymmetricToRounding() {
        try (Scope s = Scope.open()) {
            Model m = new TinyMlp(BE, DType.F64, 4, false, 5, 7, 4);
            DataSet d = classification(DType.F64, 30, 5, 4, 6);
            int p = (int) m.numParams();
            var h = Hessian.of(m, Loss.CE, d, 30);
            double[] u = randomVec(p, 1);
            double[] v = randomVec(p, 2);
            double[] hu = h.applyFlat(Tensor.of(BE, DType.F64, u, p)).toDoubles();
            double[] hv = h.applyFlat(Tensor.of(BE, DType.F64, v, p)).toDoubles();
            Check.close("u^T H v = v^T H u", Check.dot(u, hv), Check.dot(v, hu), 1e-12);
        }
    }

    /** A linear model with MSE has the constant Hessian X^T X / N per output (block diagonal); HVP is exact. */
    @Test
    void hvpIsExactOnQuadratics() {
        try (Scope s = Scope.open()) {
            int n = 9;
            int in = 4;
            Tensor x = Tensor.randn(BE, DType.F64, 1, 0, 1, n, in);
            DataSet d = new ArrayDataSet(x, Tensor.randn(BE, DType.F64, 2, 0, 1, n, 1));
            Param w = new Param("w", Role.READOUT, in, 1, Tensor.randn(BE, DType.F64, 3, 0, 1, in, 1));
            Model m = new Model() {
                public List<Param> params() {
                    return List.of(w);
                }

                public Tensor forward(List<Tensor> ws, Tensor xx) {
                    return xx.matmul(ws.getFirst());
                }
            };
            double[] v = randomVec(in, 4);
            double[] hv = Hessian.of(m, Loss.MSE, d, 4).applyFlat(Tensor.of(BE, DType.F64, v, in)).toDoubles();
            double[] xs = x.toDoubles();
            double[] expect = new double[in];
            for (int a = 0; a < in; a++) {
                for (int b = 0; b < in; b++) {
                    double xtx = 0;
                    for (int i = 0; i < n; i++) {
                        xtx += xs[i * in + a] * xs[i * in + b];
                    }
                    expect[a] += xtx / n * v[b];
                }
            }
            Check.close("H v = X^T X v / N", expect, hv, 1e-14);
        }
    }

    @Test
    void batchedHvpEqualsSingles() {
        try (Scope s = Scope.open()) {
            Model m = new TinyMlp(BE, DType.F64, 5, true, 3, 5, 2);
            DataSet d = regression(DType.F64, 11, 3, 2, 7);
            int p = (int) m.numParams();
            int k = 4;
            double[] all = randomVec(k * p, 3);
            var h = Hessian.of(m, Loss.MSE, d, 5);
            double[] batch = h.applyFlatBatch(Tensor.of(BE, DType.F64, all, k, p)).toDoubles();
            for (int j = 0; j < k; j++) {
                double[] vj = java.util.Arrays.copyOfRange(all, j * p, (j + 1) * p);
                double[] single = h.applyFlat(Tensor.of(BE, DType.F64, vj, p)).toDoubles();
                Check.close("row " + j + " of the batch", single, java.util.Arrays.copyOfRange(batch, j * p, (j + 1) * p), 1e-14);
            }
            var vs = new ArrayList<ParamVector>();
            for (int j = 0; j < 2; j++) {
                vs.add(ParamVector.randn(m, 20 + j));
            }
            var hvs = h.applyBatch(vs);
            for (int j = 0; j < 2; j++) {
                Check.close("ParamVector batch row " + j, h.apply(vs.get(j)).flatten().toDoubles(), hvs.get(j).flatten().toDoubles(), 1e-14);
            }
        }
    }

    @Test
    void chunkedFullBatchEqualsOneBatch() {
        try (Scope s = Scope.open()) {
            Model m = new TinyMlp(BE, DType.F64, 6, true, 3, 6, 4);
            DataSet d = classification(DType.F64, 23, 3, 4, 8);
            int p = (int) m.numParams();
            Tensor v = Tensor.of(BE, DType.F64, randomVec(p, 5), p);
            Grad one = Grad.of(m, Loss.CE, d, 23);
            double[] h1 = Hessian.of(m, Loss.CE, d, 23).applyFlat(v).toDoubles();
            for (int chunk : new int[]{1, 5, 10}) {
                Grad g = Grad.of(m, Loss.CE, d, chunk);
                Check.close("loss chunk " + chunk, one.loss(), g.loss(), 1e-14);
                Check.close("grad chunk " + chunk, one.grad().flatten().toDoubles(), g.grad().flatten().toDoubles(), 1e-13);
                Check.close("hvp chunk " + chunk, h1, Hessian.of(m, Loss.CE, d, chunk).applyFlat(v).toDoubles(), 1e-13);
            }
            Check.close("Grad.loss", one.loss(), Grad.loss(m, Loss.CE, d, 4), 1e-14);
            var wg = Hessian.of(m, Loss.CE, d, 6).applyWithGradient(ParamVector.unflatten(m, v));
            Check.close("gradient from the HVP pass", one.grad().flatten().toDoubles(), wg.grad().flatten().toDoubles(), 1e-13);
            Check.close("hv from the HVP pass", h1, wg.hv().flatten().toDoubles(), 1e-13);
        }
    }

    @Test
    void fullHessianFromHvpsEqualsFiniteDifferenceHessian() {
        try (Scope s = Scope.open()) {
            Model m = new TinyMlp(BE, DType.F64, 7, false, 3, 4, 2);
            DataSet d = regression(DType.F64, 10, 3, 2, 9);
            int p = (int) m.numParams();
            double[] eye = new double[p * p];
            for (int i = 0; i < p; i++) {
                eye[i * p + i] = 1;
            }
            double[] hFull = Hessian.of(m, Loss.MSE, d, 10).applyFlatBatch(Tensor.of(BE, DType.F64, eye, p, p)).toDoubles();
            double maxAbs = 0;
            double maxErr = 0;
            for (int i = 0; i < p; i++) {
                double[] e = java.util.Arrays.copyOfRange(eye, i * p, (i + 1) * p);
                double[] col = Check.central(h -> gradAt(m, Loss.MSE, d, e, h), 1e-5);
                for (int j = 0; j < p; j++) {
                    maxAbs = Math.max(maxAbs, Math.abs(col[j]));
                    maxErr = Math.max(maxErr, Math.abs(col[j] - hFull[i * p + j]));
                }
            }
            assertTrue(maxErr <= 1e-7 * maxAbs, "full Hessian from HVPs vs FD Hessian: max error " + maxErr + " (max entry " + maxAbs + ")");
        }
    }

    /** For MSE, G = J^T J / N: ⟨v, G v⟩ = ||J v||^2 / N, and G is compared entry-free via Jacobian products. */
    @Test
    void gaussNewtonEqualsJacobianTransposeJacobian() {
        try (Scope s = Scope.open()) {
            Model m = new TinyMlp(BE, DType.F64, 8, true, 3, 5, 2);
            DataSet d = regression(DType.F64, 12, 3, 2, 10);
            int n = d.size();
            ParamVector v = ParamVector.randn(m, 3);
            Tensor x = d.x(0, n);
            Tensor jv = Jacobian.jvp(m, x, v);
            ParamVector expect = Jacobian.vjp(m, x, jv).scale(1.0 / n);
            ParamVector gv = GaussNewton.of(m, Loss.MSE, d, 5).apply(v);
            Check.close("G v = J^T J v / N", expect.flatten().toDoubles(), gv.flatten().toDoubles(), 1e-13);
            double[] u = randomVec((int) jv.size(), 4);
            Tensor ut = Tensor.of(BE, DType.F64, u, jv.shape());
            Check.close("<u, J v> = <J^T u, v>", Check.dot(u, jv.toDoubles()), Jacobian.vjp(m, x, ut).dot(v), 1e-12);
        }
    }

    /** For CE, G v = J^T (diag p - p p^T) J v / N per sample; checked through an explicit loss-Hessian product. */
    @Test
    void gaussNewtonCeMatchesExplicitLossHessian() {
        try (Scope s = Scope.open()) {
            Model m = new TinyMlp(BE, DType.F64, 9, true, 3, 5, 4);
            DataSet d = classification(DType.F64, 12, 3, 4, 11);
            int n = d.size();
            ParamVector v = ParamVector.randn(m, 5);
            Tensor x = d.x(0, n);
            Tensor jv = Jacobian.jvp(m, x, v);
            Tensor p = m.forward(x).softmax();
            Tensor hj = p.mul(jv).sub(p.mul(p.mul(jv).sumKeep(-1))).mul(1.0 / n);
            ParamVector expect = Jacobian.vjp(m, x, hj);
            Check.close("CE G v", expect.flatten().toDoubles(), GaussNewton.of(m, Loss.CE, d, 5).apply(v).flatten().toDoubles(), 1e-12);
        }
    }

    /** The CPU backend (SIMD + OpenBLAS, 2 threads) gives the reference backend's gradient and HVP to rounding. */
    @Test
    void cpuBackendMatchesReference() {
        try (var cpu = new carnot.kernels.CpuBackend(2); Scope s = Scope.open()) {
            double[][] r = new double[2][];
            double[][] g = new double[2][];
            Backend[] bes = {BE, cpu};
            for (int i = 0; i < 2; i++) {
                Backend be = bes[i];
                Model m = new TinyMlp(be, DType.F64, 3, true, 6, 16, 4);
                DataSet d = new ArrayDataSet(Tensor.randn(be, DType.F64, 1, 0, 1, 50, 6), Tensor.randn(be, DType.F64, 2, 0, 1, 50, 4));
                g[i] = Grad.of(m, Loss.MSE, d, 20).grad().flatten().toDoubles();
                r[i] = Hessian.of(m, Loss.MSE, d, 20).applyFlatBatch(Tensor.randn(be, DType.F64, 4, 0, 1, 3, (int) m.numParams())).toDoubles();
            }
            Check.close("cpu vs ref gradient", g[0], g[1], 1e-12);
            Check.close("cpu vs ref batched HVP", r[0], r[1], 1e-12);
        }
    }

    @Test
    void f32HvpAgreesWithF64() {
        try (Scope s = Scope.open()) {
            double[] r64;
            double[] r32;
            int p;
            {
                Model m = new TinyMlp(BE, DType.F64, 3, true, 4, 8, 3);
                p = (int) m.numParams();
                r64 = Hessian.of(m, Loss.MSE, regression(DType.F64, 16, 4, 3, 5), 16)
                        .applyFlat(Tensor.of(BE, DType.F64, randomVec(p, 1), p)).toDoubles();
            }
            Model m = new TinyMlp(BE, DType.F32, 3, true, 4, 8, 3);
            r32 = Hessian.of(m, Loss.MSE, regression(DType.F32, 16, 4, 3, 5), 16)
                    .applyFlat(Tensor.of(BE, DType.F32, randomVec(p, 1), p)).toDoubles();
            Check.close("f32 HVP vs f64 HVP", r64, r32, 1e-5);
            assertEquals(p, r32.length);
        }
    }
}
