package carnot.science.train;

import carnot.engine.ParamVector;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import java.util.List;
import java.util.Map;

/**
 * What the training loop optimizes: a loss over a fixed training set as a function of a parameter vector w
 * ({@link ParamVector}: all parameters in order in one flat buffer on {@link #backend()}, in {@link #dtype()}, the
 * dtype of the optimizer's master weights). Implementations: {@link ModelObjective} (a network, a loss and a data
 * set through the autodiff engine) and explicit test problems.
 */
public interface Objective {

    /** Parameter names, in order. */
    List<String> names();

    /** Parameter shapes, in order (their sizes sum to {@link #dim()}). */
    List<int[]> shapes();

    /** Number of scalars P. */
    default int dim() {
        long n = 0;
        for (int[] s : shapes()) {
            long k = 1;
            for (int d : s) {
                k *= d;
            }
            n += k;
        }
        return Math.toIntExact(n);
    }

    /** Where the vectors the loop passes in live. */
    Backend backend();

    /** The dtype of the vectors the loop passes in (the optimizer's master weights). */
    DType dtype();

    /** Number of training samples N. */
    int size();

    /**
     * Loss L(w) = mean over the given samples (all N when {@code samples} is null) and its gradient, written into
     * {@code grad} (laid out as w). Exact (chunking is memory-only) and deterministic.
     */
    double lossAndGradient(ParamVector w, int[] samples, ParamVector grad);

    /**
     * The k algebraically largest eigenpairs of the full-batch Hessian ∇²L(w), descending.
     *
     * @param warm previous eigenvectors to start from, [j, P] on {@link #backend()} in {@link #dtype()} (may be null,
     *             or fewer than k rows)
     */
    Eigen topEigen(ParamVector w, int k, Tensor warm);

    /** Extra evaluation metrics at w (e.g. train accuracy, held-out loss and accuracy); empty when none. */
    default Map<String, Double> evaluate(ParamVector w) {
        return Map.of();
    }

    /**
     * Eigenvalues (descending), unit eigenvectors as the rows of {@code vectors} [k, P] (on {@link #backend()} in
     * {@link #dtype()}; the caller owns and closes them) and the number of Hessian-vector products used.
     */
    record Eigen(double[] values, Tensor vectors, int hvps) {

        /** Row i of {@link #vectors} on the host. */
        public double[] vector(int i) {
            double[] all = vectors.toDoubles();
            int p = vectors.dim(1);
            return java.util.Arrays.copyOfRange(all, i * p, (i + 1) * p);
        }
    }
}
