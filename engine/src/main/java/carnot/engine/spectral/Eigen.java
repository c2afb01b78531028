package carnot.engine.spectral;

import carnot.engine.Tensor;
import java.util.Arrays;

/**
 * Eigenpairs from an iterative solver, most-wanted first.
 *
 * @param values     eigenvalue estimates (Ritz values), ordered as requested (e.g. descending for top-k)
 * @param residuals  {@code ||A x_i - values[i] x_i||} for each unit eigenvector estimate x_i
 * @param vectors    the eigenvector estimates as rows, shape [k, P] (owned by the scope open at the call)
 * @param products   operator applications used (HVPs for a Hessian)
 * @param cycles     restarts (Lanczos) or iterations (LOBPCG, power iteration)
 * @param converged  true when every residual met the tolerance
 * @param seconds    wall time of the solve
 */
public record Eigen(double[] values, double[] residuals, Tensor vectors, int products, int cycles,
                    boolean converged, double seconds) {

    @Override
    public String toString() {
        return "Eigen{values=" + Arrays.toString(values) + ", residuals=" + Arrays.toString(residuals)
                + ", products=" + products + ", converged=" + converged + ", seconds=" + seconds + "}";
    }

    static Eigen of(LanczosCore.Raw raw, int n, carnot.kernels.DType dtype, long startNanos) {
        Tensor v = Op.tensorOf(raw.vectors(), raw.values().length, n, dtype);
        return new Eigen(raw.values(), raw.residuals(), v, raw.products(), raw.cycles(), raw.converged(),
                (System.nanoTime() - startNanos) * 1e-9);
    }
}
