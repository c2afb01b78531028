package carnot.science.spectral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Lanczos on dense matrices with known spectra. */
class LanczosCoreTest {
    private final Backend be = new RefBackend();

    private static double[] sorted(double[] l, Which which, int k) {
        int[] idx = which.select(l, k);
        double[] out = new double[k];
        for (int i = 0; i < k; i++) {
            out[i] = l[idx[i]];
        }
        return out;
    }

    private void check(Which which, int k, int basis, DType dtype, double tol, double relErr) {
        double[] lambda = Matrices.hessianLike(120, 3);
        Matrices.Dense op = new Matrices.Dense(be, dtype, Matrices.withSpectrum(lambda, 11));
        LanczosCore.Raw raw = LanczosCore.run(op, k, which, tol, 2000, basis, 5, null);
        be.free(raw.vectors());
        double[] expect = sorted(lambda, which, k);
        assertTrue(raw.converged(), which + " converged");
        for (int i = 0; i < k; i++) {
            assertEquals(expect[i], raw.values()[i], relErr * 10, which + " value " + i + " of "
                    + Arrays.toString(raw.values()));
        }
    }

    /** Top-5, bottom-3 and largest-magnitude-6 match the known spectrum to 1e-8 relative (f64). */
    @Test
    void extremesMatchKnownSpectrumF64() {
        check(Which.LARGEST, 5, 40, DType.F64, 1e-7, 1e-9);
        check(Which.SMALLEST, 3, 40, DType.F64, 1e-7, 1e-9);
        check(Which.LARGEST_MAGNITUDE, 6, 40, DType.F64, 1e-7, 1e-9);
    }

    /** A basis much smaller than needed forces thick restarts, and the values still converge. */
    @Test
    void thickRestartConverges() {
        double[] lambda = Matrices.hessianLike(120, 3);
        Matrices.Dense op = new Matrices.Dense(be, DType.F64, Matrices.withSpectrum(lambda, 11));
        LanczosCore.Raw raw = LanczosCore.run(op, 4, Which.LARGEST, 1e-8, 3000, 8, 5, null);
        be.free(raw.vectors());
        assertTrue(raw.cycles() > 0, "restarted");
        assertTrue(raw.converged());
        assertEquals(op.products, raw.products());
        double[] expect = sorted(lambda, Which.LARGEST, 4);
        for (int i = 0; i < 4; i++) {
            assertEquals(expect[i], raw.values()[i], 1e-8 * 10);
        }
    }

    /** f32 operators converge to f32 accuracy. */
    @Test
    void worksInF32() {
        check(Which.LARGEST, 3, 30, DType.F32, 1e-4, 1e-4);
    }
}
