package carnot.kernels.eigen;

import carnot.kernels.DType;
import carnot.kernels.gemm.GemmBlas;
import org.bytedeco.openblas.global.openblas;

import java.lang.foreign.MemorySegment;

/**
 * Symmetric eigendecomposition through LAPACK {@code LAPACKE_ssyevd}/{@code LAPACKE_dsyevd} (divide and conquer,
 * row-major, upper triangle), zero copy on the buffers' native memory. Eigenvalues ascending into {@code w};
 * with {@code vectors} the eigenvectors overwrite {@code a} as columns.
 */
public final class EigenLapack {
    private static final int ROW_MAJOR = 101;

    private EigenLapack() {
    }

    /** Runs syevd; throws {@link IllegalStateException} naming the LAPACK info code on failure. */
    public static void symmetricEigen(DType t, MemorySegment a, MemorySegment w, int n, boolean vectors) {
        if (n == 0) {
            return;
        }
        byte jobz = (byte) (vectors ? 'V' : 'N');
        int info = t == DType.F32
                ? openblas.LAPACKE_ssyevd(ROW_MAJOR, jobz, (byte) 'U', n, GemmBlas.floats(a, 0), n,
                GemmBlas.floats(w, 0))
                : openblas.LAPACKE_dsyevd(ROW_MAJOR, jobz, (byte) 'U', n, GemmBlas.doubles(a, 0), n,
                GemmBlas.doubles(w, 0));
        if (info != 0) {
            throw new IllegalStateException("symmetricEigen: LAPACKE " + (t == DType.F32 ? "ssyevd" : "dsyevd")
                    + " must return info 0; given info " + info + " for n " + n
                    + (info > 0 ? " (did not converge)" : " (illegal argument " + (-info) + ")"));
        }
    }
}
