package carnot.science.spectral;

import carnot.engine.Tensor;
import java.util.Arrays;

/**
 * Eigenpairs from an iterative solver, most-wanted first.
 *
 * @param values     eigenvalue estimates (Ritz values), ordered as requested (e.g. descending for top-k)
 * @param residuals  {@code ||A x_i - values[i] x_i||} for each unit eigenvector estimate x_i
 * @param errorBounds estimated bound on {@code |lambda_i - values[i]|}: {@code min(r_i, r_i^2 / gap_i)} for
 *                   Lanczos (see {@link Stop}), the residual {@code r_i} for the other solvers
 * @param vectors    the eigenvector estimates as rows, shape [k, P] (owned by the scope open at the call)
 * @param products   operator applications used (HVPs for a Hessian)
 * @param cycles     restarts (Lanczos) or iterations (LOBPCG, power iteration)
 * @param converged  true when every wanted pair met the stopping rule (the residual, or for Lanczos with
 *                   {@link Stop#EIGENVALUE} the error bound)
 * @param seconds    wall time of the solve
 */
public record Eigen(double[] values, double[] residuals, double[] errorBounds, Tensor vectors, int products,
                    int cycles, boolean converged, double seconds) {

    @Override
    public String toString() {
        return "Eigen{values=" + Arrays.toString(values) + ", residuals=" + Arrays.toString(residuals)
                + ", errorBounds=" + Arrays.toString(errorBounds)
                + ", products=" + products + ", converged=" + converged + ", seconds=" + seconds + "}";
    }

    static Eigen of(LanczosCore.Raw raw, int n, carnot.kernels.DType dtype, long startNanos) {
        Tensor v = Op.tensorOf(raw.vectors(), raw.values().length, n, dtype);
        return new Eigen(raw.values(), raw.residuals(), raw.errorBounds(), v, raw.products(), raw.cycles(), raw.converged(),
                (System.nanoTime() - startNanos) * 1e-9);
    }
}
