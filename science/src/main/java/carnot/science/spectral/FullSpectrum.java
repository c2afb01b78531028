package carnot.science.spectral;

import carnot.engine.LinearOperator;
import carnot.engine.Tensor;
import carnot.kernels.Buffer;

/**
 * The exact spectrum of a small operator: the dense matrix is assembled from batched products with identity rows
 * ({@code batch} rows per {@link LinearOperator#applyBatch} call, P products in all), symmetrised in place as
 * {@code (M + M^T)/2} and decomposed by {@link carnot.kernels.Backend#symmetricEigen} (LAPACK dsyevd/ssyevd via
 * OpenBLAS on the CPU backend). Memory: the P x P matrix (P = 20,000 in f64 needs 3.2 GB) plus the batched
 * products' working set, which {@link Batch} bounds (by default at half the matrix's size).
 *
 * @param values     all P eigenvalues, ascending
 * @param vectors    eigenvectors as COLUMNS of a [P, P] tensor (column j belongs to values[j]), or null
 * @param asymmetry  {@code ||M - M^T||_F / ||M||_F} of the assembled matrix (rounding-level for a Hessian)
 * @param products   operator applications used (P rounded up to whole batches)
 * @param batch      directions per batched pass used (every pass carries that many; the last one overlaps the
 *                   one before, so products can exceed P by up to batch - 1)
 * @param seconds    wall time
 */
public record FullSpectrum(double[] values, Tensor vectors, double asymmetry, int products, int batch, double seconds) {

    /**
     * How many directions one batched pass carries: a fixed count, or as many as fit a memory budget in bytes.
     * Per direction the assembly holds its identity row, the operator adapter's copies of it and of its product
     * and the operator's own working set: 3 rows of P words plus {@link LinearOperator#bytesPerDirection} (0 when
     * the operator cannot tell; a linearized Hessian measures the peak its replay adds per direction).
     *
     * @param directions a fixed count (>= 1), or 0 when {@code bytes} decides
     * @param bytes      the budget in bytes when {@code directions} is 0
     */
    public record Batch(int directions, long bytes) {
        public Batch {
            if (directions < 0 || (directions == 0 && bytes < 1) || (directions > 0 && bytes != 0)) {
                throw new IllegalArgumentException("a batch is a direction count >= 1 or a memory budget >= 1 byte;"
                        + " given " + directions + " directions, " + bytes + " bytes");
            }
        }

        /** Exactly {@code directions} per pass (at most P). */
        public static Batch of(int directions) {
            if (directions < 1) {
                throw new IllegalArgumentException("full Hessian needs batch >= 1; given " + directions);
            }
            return new Batch(directions, 0);
        }

        /** As many directions per pass as fit {@code bytes} (at least one must; at most P). */
        public static Batch budget(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("full Hessian memory budget must be >= 1 byte; given " + bytes);
            }
            return new Batch(0, bytes);
        }

        /**
         * The default: a budget of half the P x P matrix's size (at least one direction), so that the matrix, the
         * batched products and the eigensolver's workspace stay within twice the matrix (measured: the products'
         * own pools and LAPACK's workspace add about a third of the matrix on top of the budget).
         */
        public static Batch matrixSized() {
            return new Batch(0, Long.MAX_VALUE);
        }

        /** Bytes one direction takes for {@code op}: 3 rows of P words plus the operator's own working set. */
        public static long bytesPerDirection(LinearOperator op) {
            return 3L * op.dim() * op.dtype().bytes() + Math.max(0, op.bytesPerDirection());
        }

        /** The directions per pass for {@code op}; throws naming the bytes required and given when none fits. */
        public int resolve(LinearOperator op) {
            int n = op.dim();
            if (directions > 0) {
                return Math.min(directions, n);
            }
            long per = bytesPerDirection(op);
            if (bytes == Long.MAX_VALUE) {
                long half = (long) n * n * op.dtype().bytes() / 2;
                return (int) Math.max(1, Math.min(n, half / per));
            }
            if (bytes < per) {
                throw new IllegalArgumentException("full Hessian memory budget holds no direction: one needs " + per
                        + " bytes (3 rows of " + n + " " + op.dtype() + " + the operator's " + op.bytesPerDirection()
                        + "); given " + bytes + " bytes");
            }
            return (int) Math.min(n, bytes / per);
        }
    }

    /** Assembles, symmetrises and decomposes with {@code batch} directions per pass; eigenvectors when asked. */
    public static FullSpectrum compute(LinearOperator op, int batch, boolean withVectors) {
        return compute(op, Batch.of(batch), withVectors);
    }

    /** Assembles, symmetrises and decomposes; eigenvectors only when {@code withVectors}. */
    public static FullSpectrum compute(LinearOperator op, Batch batch, boolean withVectors) {
        long t0 = System.nanoTime();
        Op vop = new Op(op);
        FullCore.Raw raw = FullCore.run(vop, batch.resolve(op), withVectors);
        int n = vop.dim();
        Tensor vec = raw.vectors() == null ? null : Op.tensorOf(raw.vectors(), n, n, vop.dtype());
        return new FullSpectrum(raw.values(), vec, raw.asymmetry(), raw.products(), raw.batch(),
                (System.nanoTime() - t0) * 1e-9);
    }

    /** The symmetrised dense matrix [P, P] itself, {@code batch} directions per pass. */
    public static Tensor matrix(LinearOperator op, int batch) {
        return matrix(op, Batch.of(batch));
    }

    /** The symmetrised dense matrix [P, P] itself. */
    public static Tensor matrix(LinearOperator op, Batch batch) {
        Op vop = new Op(op);
        Buffer m = FullCore.assemble(vop, batch.resolve(op), new double[1]);
        return Op.tensorOf(m, vop.dim(), vop.dim(), vop.dtype());
    }
}
