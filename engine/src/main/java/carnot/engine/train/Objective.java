package carnot.engine.train;

import java.util.List;
import java.util.Map;

/**
 * What the training loop optimizes: a loss over a fixed training set as a function of a flat parameter vector w
 * (all parameters concatenated in order). Implementations: {@link ModelObjective} (a network, a loss and a data
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

    /** Number of training samples N. */
    int size();

    /**
     * Loss L(w) = mean over the given samples (all N when {@code samples} is null) and its gradient, written into
     * {@code grad} (length P). Exact (chunking is memory-only) and deterministic.
     */
    double lossAndGradient(double[] w, int[] samples, double[] grad);

    /**
     * The k algebraically largest eigenpairs of the full-batch Hessian ∇²L(w), descending.
     *
     * @param warm previous eigenvectors to start from (may be null or fewer than k)
     */
    Eigen topEigen(double[] w, int k, double[][] warm);

    /** Extra evaluation metrics at w (e.g. train accuracy, held-out loss and accuracy); empty when none. */
    default Map<String, Double> evaluate(double[] w) {
        return Map.of();
    }

    /** Eigenvalues (descending) with unit eigenvectors and the number of Hessian-vector products used. */
    record Eigen(double[] values, double[][] vectors, int hvps) {
    }
}
