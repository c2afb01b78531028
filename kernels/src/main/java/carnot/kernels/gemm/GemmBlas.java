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
 * validated. OpenBLAS threading is set once per process ({@link #setThreads}); OpenBLAS partitions work over
 * M/N, never K, so each call is deterministic.
 *
 * <p>Batched: when one product is small ({@code m n k < SMALL}) and the batch has several entries, the batch is
 * split across the {@link Parallel} pool (OpenBLAS runs such small products single-threaded); otherwise the
 * batch is a loop of multi-threaded calls.
 */
public final class GemmBlas {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;
    /** Below this many multiply-adds per product, batches are parallelised across the pool. */
    public static final long SMALL = 64L * 64 * 64;

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

    /** One GEMM on element offsets of native segments. */
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
        Parallel.Range body = (from, to) -> {
            for (long q = from; q < to; q++) {
                gemm(t, transA, transB, m, n, k, alpha, a, offA + q * strideA, lda, b, offB + q * strideB, ldb,
                        beta, c, offC + q * strideC, ldc);
            }
        };
        if ((long) m * n * k < SMALL && batch > 1) {
            par.forRange(batch, 1, 1, body);
        } else {
            body.run(0, batch);
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
