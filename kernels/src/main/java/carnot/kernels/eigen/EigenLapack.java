package carnot.kernels.eigen;

import carnot.kernels.DType;
import carnot.kernels.gemm.GemmBlas;
import org.bytedeco.openblas.global.openblas;

import java.lang.foreign.MemorySegment;

/**
 * Symmetric eigendecomposition through LAPACK on the buffers' native memory. Eigenvalues ascending into {@code w}.
 * With {@code vectors}: {@code LAPACKE_?syevd} (divide and conquer, row-major, upper triangle); the eigenvectors
 * overwrite {@code a} as columns. Eigenvalues only: {@code LAPACKE_?syevd_2stage}, whose two-stage
 * tridiagonalisation (dense to band with BLAS-3, then band to tridiagonal) is several times faster than the
 * one-stage BLAS-2 reduction; it is called column-major on the lower triangle, which is the same memory as the
 * row-major upper triangle, so LAPACKE makes no transposed copy.
 */
public final class EigenLapack {
    private static final int ROW_MAJOR = 101;
    private static final int COL_MAJOR = 102;

    private EigenLapack() {
    }

    /** Runs syevd; throws {@link IllegalStateException} naming the LAPACK info code on failure. */
    public static void symmetricEigen(DType t, MemorySegment a, MemorySegment w, int n, boolean vectors) {
        if (n == 0) {
            return;
        }
        byte jobz = (byte) (vectors ? 'V' : 'N');
        int info = !vectors
                ? (t == DType.F32
                ? openblas.LAPACKE_ssyevd_2stage(COL_MAJOR, jobz, (byte) 'L', n, GemmBlas.floats(a, 0), n,
                GemmBlas.floats(w, 0))
                : openblas.LAPACKE_dsyevd_2stage(COL_MAJOR, jobz, (byte) 'L', n, GemmBlas.doubles(a, 0), n,
                GemmBlas.doubles(w, 0)))
                : t == DType.F32
                ? openblas.LAPACKE_ssyevd(ROW_MAJOR, jobz, (byte) 'U', n, GemmBlas.floats(a, 0), n,
                GemmBlas.floats(w, 0))
                : openblas.LAPACKE_dsyevd(ROW_MAJOR, jobz, (byte) 'U', n, GemmBlas.doubles(a, 0), n,
                GemmBlas.doubles(w, 0));
        if (info != 0) {
            throw new IllegalStateException("symmetricEigen: LAPACKE " + (t == DType.F32 ? "ssyevd" : "dsyevd") + (vectors ? "" : "_2stage")
                    + " must return info 0; given info " + info + " for n " + n
                    + (info > 0 ? " (did not converge)" : " (illegal argument " + (-info) + ")"));
        }
    }
}
