package carnot.kernels.gemm;

import carnot.kernels.DType;
import carnot.kernels.Elem;

import java.lang.foreign.MemorySegment;

/**
 * Scalar reference GEMM {@code C = alpha op(A) op(B) + beta C} (row-major, f64 accumulation; with beta = 0 the
 * old C is ignored, even NaN). Arguments are assumed validated.
 */
public final class GemmRef {
    private GemmRef() {
    }

    /** Rows {@code [rowFrom, rowTo)} of one GEMM. */
    public static void gemm(DType t, boolean transA, boolean transB, int m, int n, int k, double alpha,
                            MemorySegment a, long offA, int lda, MemorySegment b, long offB, int ldb,
                            double beta, MemorySegment c, long offC, int ldc, int rowFrom, int rowTo) {
        for (int i = rowFrom; i < rowTo; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    long ia = transA ? offA + (long) p * lda + i : offA + (long) i * lda + p;
                    long ib = transB ? offB + (long) j * ldb + p : offB + (long) p * ldb + j;
                    s += Elem.get(a, t, ia) * Elem.get(b, t, ib);
                }
                long ic = offC + (long) i * ldc + j;
                double v = alpha * s;
                if (beta != 0) {
                    v += beta * Elem.get(c, t, ic);
                }
                Elem.set(c, t, ic, v);
            }
        }
    }

    /** Batch entries {@code [from, to)} of a batched GEMM, each over all rows. */
    public static void gemmBatched(DType t, boolean transA, boolean transB, int m, int n, int k, double alpha,
                                   MemorySegment a, long offA, int lda, long strideA,
                                   MemorySegment b, long offB, int ldb, long strideB,
                                   double beta, MemorySegment c, long offC, int ldc, long strideC, int from, int to) {
        for (int q = from; q < to; q++) {
            gemm(t, transA, transB, m, n, k, alpha, a, offA + q * strideA, lda, b, offB + q * strideB, ldb,
                    beta, c, offC + q * strideC, ldc, 0, m);
        }
    }
}
