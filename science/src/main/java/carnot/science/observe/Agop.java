package carnot.science.observe;

import carnot.engine.Autodiff;
import carnot.engine.Model;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import java.util.List;

/**
 * Average gradient outer product (Radhakrishnan et al. 2024) and its alignment with the first-layer Gram matrix
 * (the "neural feature ansatz"): {@code AGOP = (1/N) Σ_i J_iᵀ J_i} where J_i = ∂f(x_i)/∂x_i (outputs x d), and
 * {@code alignment = ⟨AGOP, W₁ᵀW₁⟩_F / (‖AGOP‖_F ‖W₁ᵀW₁‖_F)} ∈ [−1, 1] (1 = perfectly proportional).
 */
public final class Agop {
    private Agop() {
    }

    /**
     * AGOP from input gradients stacked per output: {@code grads[k]} is N x d with row i = ∂f_k(x_i)/∂x_i.
     * Then {@code AGOP = (1/N) Σ_k G_kᵀ G_k}.
     */
    public static Matrix fromInputGradients(Matrix[] grads) {
        if (grads.length == 0) {
            throw new IllegalArgumentException("AGOP needs at least one output's input gradients; given none");
        }
        int n = grads[0].rows();
        Matrix sum = null;
        for (Matrix g : grads) {
            if (g.rows() != n || g.cols() != grads[0].cols()) {
                throw new IllegalArgumentException("all input-gradient blocks must be " + grads[0].shape() + "; given " + g.shape());
            }
            Matrix gg = g.transpose().times(g);
            sum = sum == null ? gg : new Matrix(gg.rows(), gg.cols(), add(sum.data(), gg.data()));
        }
        return sum.scale(1.0 / n);
    }

    /**
     * AGOP {@code (1/N) Σ_i J_iᵀJ_i} of {@code model} at {@code weights} for inputs x [N, d] and outputs [N, C]: one
     * reverse pass per output column with respect to the inputs (samples are independent, so row i of the input
     * gradient is ∂f_k(x_i)/∂x_i).
     */
    public static Matrix of(Model model, List<Tensor> weights, Tensor x) {
        if (!x.dtype().isFloating() || x.rank() != 2) {
            throw new IllegalArgumentException("AGOP needs float inputs [N, d] (it differentiates with respect to "
                    + "them); given " + x.dtype() + java.util.Arrays.toString(x.shape()));
        }
        try (Scope _ = Scope.open()) {
            Tensor xv = x.variable();
            Tensor out = model.forward(weights, xv);
            if (out.rank() != 2 || out.dim(0) != x.dim(0)) {
                throw new IllegalArgumentException("AGOP needs outputs [N, C] for inputs [N, d]; given outputs "
                        + java.util.Arrays.toString(out.shape()) + " for inputs " + java.util.Arrays.toString(x.shape()));
            }
            int n = out.dim(0);
            int c = out.dim(1);
            Matrix[] grads = new Matrix[c];
            for (int k = 0; k < c; k++) {
                double[] seed = new double[n * c];
                for (int i = 0; i < n; i++) {
                    seed[i * c + k] = 1;
                }
                Tensor g = Autodiff.backward(out, Tensor.of(out.backend(), out.dtype(), seed, n, c), List.of(xv), false)
                        .getFirst();
                grads[k] = new Matrix(n, x.dim(1), g.toDoubles());
            }
            return fromInputGradients(grads);
        }
    }

    /** Cosine similarity of AGOP with {@code W₁ᵀW₁} (W₁ is [hidden, d]). */
    public static double alignment(Matrix agop, Matrix firstLayer) {
        Matrix gram = firstLayer.transpose().times(firstLayer);
        return agop.dot(gram) / (agop.norm() * gram.norm());
    }

    private static double[] add(double[] a, double[] b) {
        double[] r = a.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] += b[i];
        }
        return r;
    }
}
