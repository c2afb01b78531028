package carnot.kernels.gemm;

import carnot.kernels.Buffer;
import carnot.kernels.Checks;
import carnot.kernels.DType;
import carnot.kernels.cuda.CudaDevice;
import carnot.kernels.cuda.Dim3;
import carnot.kernels.cuda.KernelArgs;
import carnot.kernels.cuda.VendorGemm;

import static carnot.kernels.cuda.CudaDevice.addr;

/**
 * The CUDA variant of the GEMM family: {@code C_q = alpha op(A_q) op(B_q) + beta C_q} for q &lt; batch (strided
 * batches, a shared operand via stride 0). When the launcher offers a vendor GEMM (cuBLAS) every product goes there.
 * Otherwise one of the hand-written kernels, per dtype, {@link GemmPrecision} and compute capability:
 * <ul>
 * <li>f32 {@link GemmPrecision#EXACT}: {@code gemm.cu} {@code gemm_f32_<ab>}, 128 x 128 tiles, f32 FMAs;</li>
 * <li>f32 {@link GemmPrecision#TF32} / {@link GemmPrecision#BF16} on compute capability 9.0 (H100, H200):
 * {@code gemm_wgmma.cu} {@code gemm_wgmma_tf32_<ab>} / {@code gemm_wgmma_bf16_<ab>} (warpgroup MMA, built for the
 * arch-specific target sm_90a only), 128 x 128 tiles;</li>
 * <li>f32 {@link GemmPrecision#TF32} / {@link GemmPrecision#BF16} on other devices of compute capability 8.0+
 * (checked when the backend is built): {@code gemm_tc.cu} {@code gemm_tc_tf32_<ab>} / {@code gemm_tc_bf16_<ab>}
 * (wmma), 128 x 64 tiles;</li>
 * <li>f64: {@code gemm_tc_f64_<ab>} (DMMA, 64 x 64 tiles) on 8.0+, else {@code gemm_f64_<ab>} (64 x 64, FMAs).</li>
 * </ul>
 * {@code <ab>} is the transpose pair (nn, nt, tn, tt). Grid {@code (ceil(n / BN), ceil(m / BM), min(batch, 65535))},
 * 256 threads. A single product with fewer than {@value #SPLIT_K_TILES} tiles (weight gradients, the readout
 * layer) is split along k into S = min(ceil(2 * 132 / tiles), k / {@value #SPLIT_K_MIN_SLICE}) slices when S >= 2:
 * the same kernel with {@code chunk > 0} writes S partial products into scratch, {@code gemm_splitk_reduce_T} sums
 * them in slice order (deterministic) and applies alpha, beta. The {@code flags} argument tells the kernels which operands
 * may use 16-byte vectors (address, leading dimension and batch stride multiples of 16 bytes).
 * Arguments are validated by the caller.
 */
public final class GemmCuda {
    /** Output tiles below which a single GEMM is split along k (the SM count of an H100 SXM). */
    private static final int SPLIT_K_TILES = 132;
    /** The shortest k-slice worth a split (16 SIMT k steps; the partials cost 2 S m n element accesses more). */
    private static final int SPLIT_K_MIN_SLICE = 128;
    /** Split-K slices are multiples of this many k (a multiple of every kernel's k step). */
    private static final int SPLIT_K_STEP = 32;
    private static final int THREADS = 256;
    private static final int VEC_A = 1;
    private static final int VEC_B = 2;
    private static final int VEC_C = 4;

    private GemmCuda() {
    }

    /** A kernel family: module, entry prefix and block tile. */
    record Kernel(String module, String prefix, int bm, int bn) {
        String entry(boolean transA, boolean transB) {
            return prefix + "_" + (transA ? "t" : "n") + (transB ? "t" : "n");
        }
    }

    /**
     * The compute capability whose devices run the sm_90a warpgroup-MMA kernels (arch-specific code runs on exactly
     * that architecture, not on later ones).
     */
    public static final int WGMMA_CAPABILITY = 90;

    /** The kernel for dtype {@code t} in mode {@code precision} on a device of compute capability {@code cc}. */
    static Kernel choose(DType t, GemmPrecision precision, int cc) {
        boolean tensorCores = cc >= 80;
        if (t == DType.F64) {
            return tensorCores ? new Kernel("gemm_tc", "gemm_tc_f64", 64, 64) : new Kernel("gemm", "gemm_f64", 64, 64);
        }
        boolean wgmma = cc == WGMMA_CAPABILITY;
        return switch (precision) {
            case EXACT -> new Kernel("gemm", "gemm_f32", 128, 128);
            case TF32 -> wgmma ? new Kernel("gemm_wgmma", "gemm_wgmma_tf32", 128, 128)
                    : new Kernel("gemm_tc", "gemm_tc_tf32", 128, 64);
            case BF16 -> wgmma ? new Kernel("gemm_wgmma", "gemm_wgmma_bf16", 128, 128)
                    : new Kernel("gemm_tc", "gemm_tc_bf16", 128, 64);
        };
    }

    /**
     * The kind of hand-written kernel that runs f32 GEMMs in mode {@code precision} on compute capability {@code cc}:
     * "wgmma" (sm_90a warpgroup MMA), "wmma" (sm_80+ tensor cores) or "simt" (FMAs), e.g. for report rows.
     */
    public static String f32KernelKind(GemmPrecision precision, int cc) {
        String module = choose(DType.F32, precision, cc).module();
        return switch (module) {
            case "gemm_wgmma" -> "wgmma";
            case "gemm_tc" -> "wmma";
            default -> "simt";
        };
    }

    /** Batched (or, with batch 1 and zero strides, single) GEMM of dtype {@code t}; {@code op} names the call. */
    public static void gemm(CudaDevice dev, GemmPrecision precision, String op, DType t, boolean transA,
                            boolean transB, int m, int n, int k, double alpha, Buffer a, long offA, int lda,
                            long strideA, Buffer b, long offB, int ldb, long strideB, double beta, Buffer c, long offC,
                            int ldc, long strideC, int batch) {
        if (m == 0 || n == 0 || batch == 0) {
            return;
        }
        boolean f32 = t == DType.F32;
        VendorGemm vendor = dev.launcher().vendorGemm();
        if (vendor != null) {
            vendor.gemm(f32, transA, transB, m, n, k, alpha, addr(a, offA), lda, strideA, addr(b, offB), ldb, strideB,
                    beta, addr(c, offC), ldc, strideC, batch);
            return;
        }
        Kernel kern = choose(t, precision, dev.launcher().computeCapability());
        long gy = (m + kern.bm() - 1L) / kern.bm();
        Checks.require(gy <= 65535, op, "m must be <= " + 65535L * kern.bm() + " on CUDA (grid.y); given " + m);
        int gx = (n + kern.bn() - 1) / kern.bn();
        long pa = addr(a, offA);
        long pb = addr(b, offB);
        long pc = addr(c, offC);
        int v = 16 / t.bytes();
        int flags = (vectors(pa, lda, strideA, batch, v) ? VEC_A : 0) | (vectors(pb, ldb, strideB, batch, v) ? VEC_B : 0)
                | (vectors(pc, ldc, strideC, batch, v) ? VEC_C : 0);
        String kernel = kern.entry(transA, transB);
        long tiles = (long) gx * gy;
        int splits = batch == 1 && tiles < SPLIT_K_TILES
                ? (int) Math.min(Math.min((2L * SPLIT_K_TILES + tiles - 1) / tiles, k / SPLIT_K_MIN_SLICE), 65535) : 1;
        if (splits >= 2) {
            int chunk = (k + splits - 1) / splits;
            chunk = (chunk + SPLIT_K_STEP - 1) / SPLIT_K_STEP * SPLIT_K_STEP;
            splits = (k + chunk - 1) / chunk;
            long partial = dev.scratch((long) splits * m * n * t.bytes());
            int pflags = (flags & (VEC_A | VEC_B)) | (vectors(partial, n, (long) m * n, splits, v) ? VEC_C : 0);
            dev.launch(kern.module(), kernel, new Dim3(gx, (int) gy, splits), Dim3.of(THREADS),
                    args(transA, transB, m, n, k, f32, 1, pa, lda, 0, pb, ldb, 0, 0, partial, n, (long) m * n, splits,
                            chunk, pflags));
            dev.launch1d("gemm", "gemm_splitk_reduce_" + (f32 ? "f32" : "f64"), (long) m * n, new KernelArgs()
                    .ptr(partial).i32(splits).i32(m).i32(n).real(f32, alpha).real(f32, beta).ptr(pc).i32(ldc));
            return;
        }
        dev.launch(kern.module(), kernel, new Dim3(gx, (int) gy, Math.min(batch, 65535)), Dim3.of(THREADS),
                args(transA, transB, m, n, k, f32, alpha, pa, lda, strideA, pb, ldb, strideB, beta, pc, ldc, strideC,
                        batch, 0, flags));
    }

    /** Whether an operand at {@code address} may be read as 16-byte vectors of {@code v} elements in every entry. */
    private static boolean vectors(long address, int ld, long stride, int batch, int v) {
        return address % 16 == 0 && ld % v == 0 && (batch == 1 || stride % v == 0);
    }

    /** The shared kernel parameter list (GEMM_PARAMS in gemm_tile.h). */
    private static KernelArgs args(boolean transA, boolean transB, int m, int n, int k, boolean f32, double alpha,
                                   long a, int lda, long strideA, long b, int ldb, long strideB, double beta, long c,
                                   int ldc, long strideC, int batch, int chunk, int flags) {
        return new KernelArgs().i32(transA ? 1 : 0).i32(transB ? 1 : 0).i32(m).i32(n).i32(k).real(f32, alpha).ptr(a)
                .i32(lda).i64(strideA).ptr(b).i32(ldb).i64(strideB).real(f32, beta).ptr(c).i32(ldc).i64(strideC)
                .i32(batch).i32(chunk).i32(flags);
    }
}
