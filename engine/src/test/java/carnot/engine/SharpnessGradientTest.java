package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ∇λ_max through third-order autodiff against central differences of λ_max, on MSE and cross-entropy. */
class SharpnessGradientTest {

    /** λ_max and its unit eigenvector [1, P]. */
    private record Eigen(double[] values, Tensor vectors) {
    }

    /**
     * λ_max and its unit eigenvector at the model's current weights: the dense Hessian (H applied to the P unit
     * vectors; tiny P) decomposed by the backend's symmetric eigensolver.
     */
    private static Eigen top(Model m, Loss loss, DataSet d) {
        int p = (int) m.numParams();
        double[] id = new double[p * p];
        for (int i = 0; i < p; i++) {
            id[i * p + i] = 1;
        }
        Backend be = HvpTest.BE;
        Tensor h = Hessian.of(m, loss, d, 5).applyBatch(Tensor.of(be, DType.F64, id, p, p));
        Tensor a = Tensor.of(be, DType.F64, h.toDoubles(), p, p);
        try (Buffer w = be.alloc(DType.F64, p)) {
            be.symmetricEigen(a.buffer(), w, p, true);
            double[] vals = new double[p];
            be.download(w, 0, java.lang.foreign.MemorySegment.ofArray(vals), p);
            double[] vecs = a.toDoubles();
            double[] u = new double[p];
            for (int i = 0; i < p; i++) {
                u[i] = vecs[i * p + p - 1];
            }
            return new Eigen(new double[] {vals[p - 1]}, Tensor.of(be, DType.F64, u, 1, p));
        }
    }

    private static double lambdaAt(Model m, Loss loss, DataSet d, double[] w0, double[] dir, double h) {
        set(m, w0, dir, h);
        try (Scope s = Scope.open()) {
            return top(m, loss, d).values()[0];
        }
    }

    private static void set(Model m, double[] w0, double[] dir, double h) {
        double[] w = w0.clone();
        for (int i = 0; i < w.length; i++) {
            w[i] += h * dir[i];
        }
        ParamVector pv = ParamVector.unflatten(m, Tensor.of(HvpTest.BE, DType.F64, w, w.length));
        for (int i = 0; i < m.params().size(); i++) {
            m.params().get(i).set(pv.get(i).reshape(m.params().get(i).shape()));
        }
    }

    private static void check(Loss loss, DataSet d) {
        TinyMlp m = new TinyMlp(HvpTest.BE, DType.F64, 3, true, 3, 6, 3);
        DataSet data = d;
        double[] w0 = ParamVector.of(m).flatten().toDoubles();
        double[] dir = HvpTest.randomVec(w0.length, 17);
        double analytic;
        double lambda;
        try (Scope s = Scope.open()) {
            Eigen e = top(m, loss, data);
            lambda = e.values()[0];
            ParamVector u = ParamVector.unflatten(m, e.vectors().reshape(-1));
            SharpnessGradient.Result r = SharpnessGradient.of(m, loss, data, 7, u);
            SharpnessGradient.Result whole = SharpnessGradient.of(m, loss, data, data.size(), u);
            assertEquals(lambda, r.curvature(), 1e-10 * Math.abs(lambda), "uᵀHu equals λ_max");
            assertEquals(Grad.loss(m, loss, data, data.size()), r.loss(), 1e-12, "loss of the same pass");
            double[] gs = r.gradS().flatten().toDoubles();
            double[] gw = whole.gradS().flatten().toDoubles();
            for (int i = 0; i < gs.length; i++) {
                assertEquals(gw[i], gs[i], 1e-11 * (1 + Math.abs(gw[i])), "chunking is memory-only at " + i);
            }
            double[] hu = r.hu().flatten().toDoubles();
            double[] uf = e.vectors().toDoubles();
            for (int i = 0; i < hu.length; i++) {
                assertEquals(lambda * uf[i], hu[i], 1e-8, "Hu = λu at " + i);
            }
            analytic = 0;
            for (int i = 0; i < gs.length; i++) {
                analytic += gs[i] * dir[i];
            }
        }
        double h = 1e-4;
        double fd = (lambdaAt(m, loss, data, w0, dir, h) - lambdaAt(m, loss, data, w0, dir, -h)) / (2 * h);
        set(m, w0, dir, 0);
        assertTrue(Math.abs(analytic) > 1e-3, "the directional derivative is not trivially zero: " + analytic);
        assertEquals(fd, analytic, 1e-6 * Math.max(1, Math.abs(fd)),
                "⟨∇λ_max, v⟩ from autodiff " + analytic + " vs central differences " + fd);
    }

    @Test
    void gradientOfTopEigenvalueMatchesFiniteDifferencesMse() {
        check(Loss.MSE, HvpTest.regression(DType.F64, 20, 3, 3, 5));
    }

    @Test
    void gradientOfTopEigenvalueMatchesFiniteDifferencesCrossEntropy() {
        check(Loss.CE, HvpTest.classification(DType.F64, 20, 3, 3, 6));
    }

    @Test
    void refusesMisshapedDirection() {
        TinyMlp m = new TinyMlp(HvpTest.BE, DType.F64, 3, true, 3, 4, 2);
        DataSet d = HvpTest.regression(DType.F64, 8, 3, 2, 1);
        ParamVector wrong = new ParamVector(List.of(Tensor.zeros(HvpTest.BE, DType.F64, 3)));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SharpnessGradient.of(m, Loss.MSE, d, 8, wrong));
    }
}
