package carnot.kernels.gemm;

import carnot.kernels.Buffer;
import carnot.kernels.Checks;
import carnot.kernels.DType;
import carnot.kernels.cuda.CudaDevice;
import carnot.kernels.cuda.Dim3;
import carnot.kernels.cuda.KernelArgs;
import carnot.kernels.cuda.VendorGemm;

import static carnot.kernels.cuda.CudaDevice.addr;
import static carnot.kernels.cuda.CudaDevice.kernel;

/**
 * The CUDA variant of the GEMM family ({@code src/main/cuda/gemm.cu}):
 * {@code C_q = alpha op(A_q) op(B_q) + beta C_q} for q < batch. When the launcher offers a vendor GEMM (cuBLAS)
 * every product goes there. Otherwise {@code gemm_T} on a grid of 64 x 64 output tiles
 * ({@code (ceil(n/64), ceil(m/64), min(batch, 65535))}, 256 threads), or, for a single product with fewer than
 * {@value #SPLIT_K_TILES} tiles and {@code k >= 1024} (weight gradients), split-K: {@code gemm_splitk_T} writes S
 * partial products of k-slices into scratch, {@code gemm_splitk_reduce_T} sums them in slice order.
 * Arguments are validated by the caller.
 */
public final class GemmCuda {
    private static final String MODULE = "gemm";
    private static final int TILE = 64;
    /** Output tiles below which a single GEMM with k >= 1024 uses split-K (the SM count of an H100 SXM). */
    private static final int SPLIT_K_TILES = 132;

    private GemmCuda() {
    }

    /** Batched (or, with batch 1 and zero strides, single) GEMM of dtype {@code t}; {@code op} names the call. */
    public static void gemm(CudaDevice dev, String op, DType t, boolean transA, boolean transB, int m, int n, int k,
                            double alpha, Buffer a, long offA, int lda, long strideA, Buffer b, long offB, int ldb,
                            long strideB, double beta, Buffer c, long offC, int ldc, long strideC, int batch) {
        if (m == 0 || n == 0 || batch == 0) {
            return;
        }
        long gy = (m + TILE - 1L) / TILE;
        Checks.require(gy <= 65535, op, "m must be <= " + 65535L * TILE + " on CUDA (grid.y); given " + m);
        int gx = (n + TILE - 1) / TILE;
        boolean f32 = t == DType.F32;
        VendorGemm vendor = dev.launcher().vendorGemm();
        if (vendor != null) {
            vendor.gemm(f32, transA, transB, m, n, k, alpha, addr(a, offA), lda, strideA, addr(b, offB), ldb, strideB,
                    beta, addr(c, offC), ldc, strideC, batch);
            return;
        }
        if (batch == 1 && (long) gx * gy < SPLIT_K_TILES && k >= 1024) {
            splitK(dev, t, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, gx,
                    (int) gy);
            return;
        }
        KernelArgs args = new KernelArgs().i32(transA ? 1 : 0).i32(transB ? 1 : 0).i32(m).i32(n).i32(k)
                .real(f32, alpha).ptr(addr(a, offA)).i32(lda).i64(strideA).ptr(addr(b, offB)).i32(ldb).i64(strideB)
                .real(f32, beta).ptr(addr(c, offC)).i32(ldc).i64(strideC).i32(batch);
        dev.launch(MODULE, kernel("gemm", t), new Dim3(gx, (int) gy, Math.min(batch, 65535)), Dim3.of(256), args);
    }

    /**
     * Split-K: S slices of k (multiples of the 16-wide k step) so that about 2 x 132 blocks run, partial products
     * in scratch, summed in slice order.
     */
    private static void splitK(CudaDevice dev, DType t, boolean transA, boolean transB, int m, int n, int k,
                               double alpha, Buffer a, long offA, int lda, Buffer b, long offB, int ldb, double beta,
                               Buffer c, long offC, int ldc, int gx, int gy) {
        long want = Math.min((2L * SPLIT_K_TILES + (long) gx * gy - 1) / ((long) gx * gy), k / 256);
        int splits = (int) Math.max(1, Math.min(want, 65535));
        int chunk = (k + splits - 1) / splits;
        chunk = (chunk + 15) / 16 * 16;
        splits = (k + chunk - 1) / chunk;
        long partial = dev.scratch((long) splits * m * n * t.bytes());
        dev.launch(MODULE, kernel("gemm_splitk", t), new Dim3(gx, gy, splits), Dim3.of(256), new KernelArgs()
                .i32(transA ? 1 : 0).i32(transB ? 1 : 0).i32(m).i32(n).i32(k).i32(chunk).ptr(addr(a, offA)).i32(lda)
                .ptr(addr(b, offB)).i32(ldb).ptr(partial));
        boolean f32 = t == DType.F32;
        dev.launch1d(MODULE, kernel("gemm_splitk_reduce", t), (long) m * n, new KernelArgs().ptr(partial)
                .i32(splits).i32(m).i32(n).real(f32, alpha).real(f32, beta).ptr(addr(c, offC)).i32(ldc));
    }
}
