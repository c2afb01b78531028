package carnot.kernels.gemm;

import carnot.kernels.Binary;
import carnot.kernels.DType;
import carnot.kernels.Parallel;
import carnot.kernels.elementwise.ElementwiseSimd;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

import java.lang.foreign.MemorySegment;

/**
 * GEMM through OpenBLAS {@code cblas_sgemm}/{@code cblas_dgemm} (Bytedeco), zero copy: the JavaCPP pointers
 * passed to BLAS carry the native address of the buffer's off-heap {@link MemorySegment}. Arguments are assumed
 * validated. The CPU backend keeps OpenBLAS single-threaded ({@link #setThreads}{@code (1)}) and owns all
 * parallelism through its {@link Parallel} pool, so OpenBLAS worker threads never spin against the pool.
 *
 * <p>Partitioning ({@link #gemm(Parallel, GemmScratch, DType, boolean, boolean, int, int, int, double,
 * MemorySegment, long, int, MemorySegment, long, int, double, MemorySegment, long, int)}): a product with at least
 * {@link #SMALL} multiply-adds is cut into contiguous row blocks of C (the M dimension, block starts aligned to
 * {@link #ALIGN} rows), or into column blocks when M is too small to give every worker a block; each block is one
 * single-threaded cblas call on the sub-matrices. A product whose inner extent K is long against its output
 * (K &ge; {@link #K_SPLIT} x max(M, N), e.g. a weight gradient {@code X^T G} over 5000 samples) is cut along K
 * instead, into S = min(threads, K / {@link #K_SLICE}) slices (S &ge; 2): splitting rows there makes every thread
 * pack all of the large B, which measured 180 against 260-300 GFLOP/s for the same FLOPs. Slice 0 accumulates
 * into C with beta, slice p &gt; 0 is written into the backend's reusable {@link GemmScratch}; then the pool adds
 * the slices to C by row stripes, every element as {@code ((c + s_1) + s_2) + ... + s_(S-1)} ({@link #addSlices}).
 * All bounds depend only on the sizes and the thread count, so results are bitwise reproducible for a given
 * thread count.
 *
 * <p>Batched: when the batch has at least as many entries as the pool has threads, the batch is split across the
 * pool (one single-threaded call per product); otherwise each product is partitioned as above.
 */
public final class GemmBlas {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;
    /** Below this many multiply-adds a product runs on the calling thread only. */
    public static final long SMALL = 64L * 64 * 64;
    /** Row/column blocks start at multiples of this (a multiple of OpenBLAS's micro-kernel tiles). */
    public static final int ALIGN = 16;
    /** K at least this many times max(M, N) splits along K (see the class comment). */
    public static final int K_SPLIT = 2;
    /** A K slice holds at least this many of the inner extent (so a split has at most K / K_SLICE slices). */
    public static final int K_SLICE = 256;
    /** Elements of C per chunk below which the slice sum stays on one thread. */
    private static final long ADD_GRAIN = 1 << 15;

    private GemmBlas() {
    }

    /** Sets OpenBLAS's thread count (process-wide). */
    public static synchronized void setThreads(int threads) {
        openblas.blas_set_num_threads(threads);
    }

    /** OpenBLAS's current thread count. */
    public static int threads() {
        return openblas.blas_get_num_threads();
    }

    /**
     * One GEMM {@code C = alpha op(A) op(B) + beta C} (row-major, C is m x n) partitioned statically across
     * {@code par} (see the class comment); small products and 1-thread pools make a single call.
     */
    public static void gemm(Parallel par, GemmScratch scratch, DType t, boolean transA, boolean transB, int m, int n,
                            int k, double alpha, MemorySegment a, long offA, int lda, MemorySegment b, long offB,
                            int ldb, double beta, MemorySegment c, long offC, int ldc) {
        int threads = par.threads();
        int slices = Math.min(threads, k / K_SLICE);
        if (threads == 1 || (long) m * n * k < SMALL) {
            gemm(t, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
        } else if (k >= (long) K_SPLIT * Math.max(m, n) && slices >= 2) {
            splitK(par, scratch, slices, t, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c,
                    offC, ldc);
        } else if (m >= (long) threads * ALIGN) {
            par.forRange(m, ALIGN, ALIGN, (r0, r1) -> {
                int i0 = (int) r0;
                long aOff = offA + (transA ? i0 : (long) i0 * lda);
                gemm(t, transA, transB, (int) (r1 - r0), n, k, alpha, a, aOff, lda, b, offB, ldb, beta, c,
                        offC + (long) i0 * ldc, ldc);
            });
        } else {
            par.forRange(n, ALIGN, ALIGN, (c0, c1) -> {
                int j0 = (int) c0;
                long bOff = offB + (transB ? (long) j0 * ldb : j0);
                gemm(t, transA, transB, m, (int) (c1 - c0), k, alpha, a, offA, lda, b, bOff, ldb, beta, c,
                        offC + j0, ldc);
            });
        }
    }

    /**
     * K cut into {@code slices} slices (bounds aligned to {@link #ALIGN}), slice p on worker p: slice 0 accumulates
     * into C with beta, slice p &gt; 0 writes {@code alpha op(A_p) op(B_p)} into scratch block p - 1; then
     * {@link #addSlices}.
     */
    private static void splitK(Parallel par, GemmScratch scratch, int slices, DType t, boolean transA,
                               boolean transB, int m, int n, int k, double alpha, MemorySegment a, long offA, int lda,
                               MemorySegment b, long offB, int ldb, double beta, MemorySegment c, long offC, int ldc) {
        synchronized (scratch) {
            MemorySegment s = scratch.take((long) (slices - 1) * m * n * t.bytes());
            par.forRange(slices, 1, 1, (p0, p1) -> {
                for (long p = p0; p < p1; p++) {
                    int k0 = (int) ((long) k * p / slices / ALIGN * ALIGN);
                    int k1 = p + 1 == slices ? k : (int) ((long) k * (p + 1) / slices / ALIGN * ALIGN);
                    long aOff = offA + (transA ? (long) k0 * lda : k0);
                    long bOff = offB + (transB ? k0 : (long) k0 * ldb);
                    if (p == 0) {
                        gemm(t, transA, transB, m, n, k1 - k0, alpha, a, aOff, lda, b, bOff, ldb, beta, c, offC, ldc);
                    } else {
                        gemm(t, transA, transB, m, n, k1 - k0, alpha, a, aOff, lda, b, bOff, ldb, 0, s,
                                (p - 1) * m * n, n);
                    }
                }
            });
            addSlices(par, t, m, n, s, slices - 1, c, offC, ldc);
        }
    }

    /**
     * {@code C += S_1 + ... + S_count} for the m x n blocks {@code S_p} stored densely one after another in
     * {@code slices} (block p - 1 at element (p - 1) m n, row stride n): the pool takes row stripes of C and every
     * element is summed in slice order, {@code ((c + s_1) + s_2) + ...}, rounded to the dtype after each addition,
     * so the result does not depend on the stripes (nor on the thread count).
     */
    static void addSlices(Parallel par, DType t, int m, int n, MemorySegment slices, int count, MemorySegment c,
                          long offC, int ldc) {
        if (count == 0 || m == 0 || n == 0) {
            return;
        }
        par.forRange(m, Math.max(1, ADD_GRAIN / ((long) n * count)), 1, (r0, r1) -> {
            for (long i = r0; i < r1; i++) {
                long row = offC + i * ldc;
                for (int p = 0; p < count; p++) {
                    ElementwiseSimd.run(Binary.ADD, t, c, row, 1, slices, ((long) p * m + i) * n, 1, c, row, n);
                }
            }
        });
    }

    /** One single-threaded-by-policy GEMM on element offsets of native segments (one cblas call). */
    public static void gemm(DType t, boolean transA, boolean transB, int m, int n, int k, double alpha,
                            MemorySegment a, long offA, int lda, MemorySegment b, long offB, int ldb,
                            double beta, MemorySegment c, long offC, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            GemmRef.gemm(t, transA, transB, m, n, 0, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, 0, m);
            return;
        }
        int ta = transA ? TRANS : NO_TRANS;
        int tb = transB ? TRANS : NO_TRANS;
        if (t == DType.F32) {
            openblas.cblas_sgemm(ROW_MAJOR, ta, tb, m, n, k, (float) alpha, floats(a, offA), lda, floats(b, offB),
                    ldb, (float) beta, floats(c, offC), ldc);
        } else {
            openblas.cblas_dgemm(ROW_MAJOR, ta, tb, m, n, k, alpha, doubles(a, offA), lda, doubles(b, offB), ldb,
                    beta, doubles(c, offC), ldc);
        }
    }

    /** A batched GEMM (see class comment for the threading policy). */
    public static void gemmBatched(Parallel par, GemmScratch scratch, DType t, boolean transA, boolean transB,
                                   int m, int n, int k, double alpha, MemorySegment a, long offA, int lda, long strideA,
                                   MemorySegment b, long offB, int ldb, long strideB,
                                   double beta, MemorySegment c, long offC, int ldc, long strideC, int batch) {
        if (batch >= par.threads() && batch > 1) {
            par.forRange(batch, 1, 1, (from, to) -> {
                for (long q = from; q < to; q++) {
                    gemm(t, transA, transB, m, n, k, alpha, a, offA + q * strideA, lda, b, offB + q * strideB, ldb,
                            beta, c, offC + q * strideC, ldc);
                }
            });
        } else {
            for (int q = 0; q < batch; q++) {
                gemm(par, scratch, t, transA, transB, m, n, k, alpha, a, offA + q * strideA, lda, b,
                        offB + q * strideB, ldb, beta, c, offC + q * strideC, ldc);
            }
        }
    }

    /** A JavaCPP float pointer at element {@code off} of {@code s} (no copy). */
    public static FloatPointer floats(MemorySegment s, long off) {
        return new At32(s.address() + off * 4);
    }

    /** A JavaCPP double pointer at element {@code off} of {@code s} (no copy). */
    public static DoublePointer doubles(MemorySegment s, long off) {
        return new At64(s.address() + off * 8);
    }

    /** A non-owning float pointer at a raw native address. */
    private static final class At32 extends FloatPointer {
        At32(long addr) {
            address = addr;
        }
    }

    /** A non-owning double pointer at a raw native address. */
    private static final class At64 extends DoublePointer {
        At64(long addr) {
            address = addr;
        }
    }
}
