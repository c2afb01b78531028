package carnot.kernels.gemm;

import carnot.kernels.DType;
import carnot.kernels.Parallel;
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
 * <p>Partitioning ({@link #gemm(Parallel, DType, boolean, boolean, int, int, int, double, MemorySegment, long,
 * int, MemorySegment, long, int, double, MemorySegment, long, int)}): a product with at least {@link #SMALL}
 * multiply-adds is cut into contiguous row blocks of C (the M dimension, block starts aligned to
 * {@link #ALIGN} rows), or into column blocks when M is too small to give every worker a block; each block is one
 * single-threaded cblas call on the sub-matrices. A product whose inner extent K is long against its output
 * (K &ge; {@link #K_SPLIT} x max(M, N), e.g. a weight gradient {@code X^T G} over 5000 samples) is cut along K
 * instead: splitting rows there makes every thread pack all of the large B, which measured 180 against 260-300
 * GFLOP/s for the same FLOPs; worker p computes its K-slice into a scratch C and the slices are added to C in
 * worker order. All bounds depend only on the sizes and the thread count, so results are bitwise reproducible
 * for a given thread count.
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
    public static void gemm(Parallel par, DType t, boolean transA, boolean transB, int m, int n, int k, double alpha,
                            MemorySegment a, long offA, int lda, MemorySegment b, long offB, int ldb,
                            double beta, MemorySegment c, long offC, int ldc) {
        int threads = par.threads();
        if (threads == 1 || (long) m * n * k < SMALL) {
            gemm(t, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
        } else if (k >= (long) K_SPLIT * Math.max(m, n) && k >= (long) threads * ALIGN * 4) {
            splitK(par, t, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
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
     * K cut into one slice per worker (bounds aligned to {@link #ALIGN}): worker 0 accumulates its slice into C
     * with beta, worker p &gt; 0 writes {@code alpha op(A_p) op(B_p)} into scratch p; then C += scratch 1, 2, ...
     */
    private static void splitK(Parallel par, DType t, boolean transA, boolean transB, int m, int n, int k,
                               double alpha, MemorySegment a, long offA, int lda, MemorySegment b, long offB, int ldb,
                               double beta, MemorySegment c, long offC, int ldc) {
        int parts = par.threads();
        int w = t.bytes();
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
            MemorySegment scratch = arena.allocate((long) (parts - 1) * m * n * w, 64);
            par.forRange(parts, 1, 1, (p0, p1) -> {
                for (long p = p0; p < p1; p++) {
                    int k0 = (int) ((long) k * p / parts / ALIGN * ALIGN);
                    int k1 = p + 1 == parts ? k : (int) ((long) k * (p + 1) / parts / ALIGN * ALIGN);
                    long aOff = offA + (transA ? (long) k0 * lda : k0);
                    long bOff = offB + (transB ? k0 : (long) k0 * ldb);
                    if (p == 0) {
                        gemm(t, transA, transB, m, n, k1 - k0, alpha, a, aOff, lda, b, bOff, ldb, beta, c, offC, ldc);
                    } else {
                        gemm(t, transA, transB, m, n, k1 - k0, alpha, a, aOff, lda, b, bOff, ldb, 0, scratch,
                                (p - 1) * m * n, n);
                    }
                }
            });
            for (int p = 1; p < parts; p++) {
                for (int i = 0; i < m; i++) {
                    long row = offC + (long) i * ldc;
                    carnot.kernels.elementwise.ElementwiseSimd.run(carnot.kernels.Binary.ADD, t, c, row, 1, scratch,
                            ((long) (p - 1) * m + i) * n, 1, c, row, n);
                }
            }
        }
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
    public static void gemmBatched(Parallel par, DType t, boolean transA, boolean transB, int m, int n, int k,
                                   double alpha, MemorySegment a, long offA, int lda, long strideA,
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
                gemm(par, t, transA, transB, m, n, k, alpha, a, offA + q * strideA, lda, b, offB + q * strideB,
                        ldb, beta, c, offC + q * strideC, ldc);
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
