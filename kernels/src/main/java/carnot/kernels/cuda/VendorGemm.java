package carnot.kernels.cuda;

/**
 * An optional vendor GEMM on a launcher's stream (cuBLAS on a GPU). Row-major semantics of
 * {@link carnot.kernels.Backend#gemmBatched}: {@code C_i = alpha op(A_i) op(B_i) + beta C_i} for i &lt; batch,
 * operand p of entry i at address {@code p + i * strideP * elementSize}; arguments are already validated.
 */
public interface VendorGemm {

    /** What it is, e.g. "cuBLAS (libcublas.so.13, comparison baseline)". */
    String description();

    void gemm(boolean f32, boolean transA, boolean transB, int m, int n, int k, double alpha, long a, int lda,
              long strideA, long b, int ldb, long strideB, double beta, long c, int ldc, long strideC, int batch);
}
