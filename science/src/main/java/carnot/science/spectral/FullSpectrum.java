package carnot.science.spectral;

import carnot.engine.LinearOperator;
import carnot.engine.Tensor;
import carnot.kernels.Buffer;

/**
 * The exact spectrum of a small operator: the dense matrix is assembled from batched products with identity rows
 * ({@code batch} rows per {@link LinearOperator#applyBatch} call, P products in all), symmetrised as
 * {@code (M + M^T)/2} and decomposed by {@link carnot.kernels.Backend#symmetricEigen} (LAPACK dsyevd/ssyevd via
 * OpenBLAS on the CPU backend). Memory: two P x P matrices (P = 20,000 in f64 needs 6.4 GB).
 *
 * @param values     all P eigenvalues, ascending
 * @param vectors    eigenvectors as COLUMNS of a [P, P] tensor (column j belongs to values[j]), or null
 * @param asymmetry  {@code ||M - M^T||_F / ||M||_F} of the assembled matrix (rounding-level for a Hessian)
 * @param products   operator applications used (= P)
 * @param seconds    wall time
 */
public record FullSpectrum(double[] values, Tensor vectors, double asymmetry, int products, double seconds) {

    /** Assembles, symmetrises and decomposes; eigenvectors only when {@code withVectors}. */
    public static FullSpectrum compute(LinearOperator op, int batch, boolean withVectors) {
        long t0 = System.nanoTime();
        Op vop = new Op(op);
        FullCore.Raw raw = FullCore.run(vop, batch, withVectors);
        int n = vop.dim();
        Tensor vec = raw.vectors() == null ? null : Op.tensorOf(raw.vectors(), n, n, vop.dtype());
        return new FullSpectrum(raw.values(), vec, raw.asymmetry(), raw.products(), (System.nanoTime() - t0) * 1e-9);
    }

    /** The symmetrised dense matrix [P, P] itself. */
    public static Tensor matrix(LinearOperator op, int batch) {
        Op vop = new Op(op);
        Buffer m = FullCore.assemble(vop, batch, new double[1]);
        return Op.tensorOf(m, vop.dim(), vop.dim(), vop.dtype());
    }
}
