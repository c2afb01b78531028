package carnot.examples.experiments;

import carnot.engine.Jacobian;
import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.science.observe.Matrix;
import java.util.ArrayList;
import java.util.List;

/**
 * The empirical neural tangent kernel of a scalar-output model and the kernel prediction of its GD trajectory.
 * Θ(x, x') = Σ_p m_p ∂f(x)/∂w_p ∂f(x')/∂w_p (m_p the per-parameter learning-rate multipliers), from one
 * {@link Jacobian#vjp} per input. Under GD with step η on the engine's loss (1/N)Σ½(f − y)², the linearized model
 * evolves as f_T − y = (I − ηΘ/N)^T (f_0 − y) on the training set and
 * <pre>
 *   f_T(X*) = f_0(X*) + Θ(X*, X) Θ⁻¹ (I − (I − ηΘ/N)^T) (y − f_0(X))
 * </pre>
 * on test inputs, which is the kernel gradient flow f_t = f_0 + Θ(X*,X) Θ⁻¹ (I − e^{−ηΘt/N})(y − f_0) with t = T
 * as ηΘ/N → 0. Θ⁻¹ acts through the eigendecomposition Θ = QΛQᵀ; the factor (1 − (1 − ηλ/N)^T)/λ is taken as
 * its limit ηT/N for λ → 0, so zero modes contribute nothing they would not under GD.
 */
public final class NtkKernel {
    private NtkKernel() {
    }

    /** Rows: ∂f(x_i)/∂w (flat, in parameter order) for each row x_i of {@code x} [n, d]; the model must have one output. */
    public static double[][] jacobian(Model model, Tensor x) {
        int n = x.dim(0);
        int d = x.dim(1);
        double[] all = x.toDoubles();
        double[][] j = new double[n][];
        for (int i = 0; i < n; i++) {
            try (Scope _ = Scope.open()) {
                double[] row = new double[d];
                System.arraycopy(all, i * d, row, 0, d);
                Tensor xi = Tensor.of(x.backend(), x.dtype(), row, 1, d);
                Tensor u = Tensor.ones(x.backend(), x.dtype(), 1, 1);
                j[i] = Jacobian.vjp(model, xi, u).flatten().toDoubles();
            }
        }
        return j;
    }

    /** The model's outputs on x [n, d] at its current parameters (length n; one output). */
    public static double[] outputs(Model model, Tensor x) {
        try (Scope _ = Scope.open()) {
            List<Tensor> ws = new ArrayList<>();
            for (Param p : model.params()) {
                ws.add(p.value());
            }
            return model.forward(ws, x).toDoubles();
        }
    }

    /** Θ_{ij} = Σ_p m_p a_i[p] b_j[p] ({@code lrMult} null = ones). */
    public static Matrix kernel(double[][] a, double[][] b, double[] lrMult) {
        double[] k = new double[a.length * b.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                double s = 0;
                double[] ai = a[i];
                double[] bj = b[j];
                for (int p = 0; p < ai.length; p++) {
                    s += (lrMult == null ? 1 : lrMult[p]) * ai[p] * bj[p];
                }
                k[i * b.length + j] = s;
            }
        }
        return new Matrix(a.length, b.length, k);
    }

    /**
     * The linearized prediction after T GD steps of rate η: f_0(X*) + Θ(X*,X) Q diag(g(λ)/λ) Qᵀ (y − f_0(X)) with
     * g(λ) = 1 − (1 − ηλ/N)^T; pass {@code testTrain} = Θ(X, X) for the training-set prediction.
     *
     * @param train     Θ(X, X) [N, N]
     * @param testTrain Θ(X*, X) [M, N]
     * @param f0Test    f_0(X*) [M]
     * @param f0Train   f_0(X) [N]
     * @param y         training targets [N]
     */
    public static double[] predict(Matrix train, Matrix testTrain, double[] f0Test, double[] f0Train, double[] y,
                                   double eta, long steps) {
        int n = train.rows();
        if (train.cols() != n || testTrain.cols() != n || f0Train.length != n || y.length != n
                || f0Test.length != testTrain.rows()) {
            throw new IllegalArgumentException("kernel prediction needs Θ [N,N], Θ* [M,N], f0* [M], f0 [N], y [N]; given "
                    + train.shape() + ", " + testTrain.shape() + ", " + f0Test.length + ", " + f0Train.length + ", " + y.length);
        }
        Matrix.Eigen e = train.symmetricEigen();
        Matrix q = e.vectors();
        double[] coef = new double[n]; // Q diag(g/λ) Qᵀ (y − f0)
        double[] proj = new double[n];
        for (int k = 0; k < n; k++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += q.get(i, k) * (y[i] - f0Train[i]);
            }
            proj[k] = s * factor(e.values()[k], eta, steps, n);
        }
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int k = 0; k < n; k++) {
                s += q.get(i, k) * proj[k];
            }
            coef[i] = s;
        }
        double[] out = f0Test.clone();
        for (int m = 0; m < out.length; m++) {
            for (int i = 0; i < n; i++) {
                out[m] += testTrain.get(m, i) * coef[i];
            }
        }
        return out;
    }

    /** (1 − (1 − ηλ/N)^T)/λ, with the limit ηT/N for small ηλ/N. */
    static double factor(double lambda, double eta, long steps, int n) {
        double x = eta * lambda / n;
        if (Math.abs(x) < 1e-12) {
            return eta * steps / n;
        }
        if (x < 1) {
            return -Math.expm1(steps * Math.log1p(-x)) / lambda;
        }
        return (1 - Math.pow(1 - x, steps)) / lambda;
    }
}
