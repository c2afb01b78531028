package carnot.kernels;

import carnot.kernels.elementwise.ElementwiseRef;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Accuracy of the SIMD (polynomial) activations of {@link CpuBackend} against the f64 formulas of
 * {@link ElementwiseRef} on 200k seeded points: f32 in ulps of the correctly rounded result, f64 in relative
 * error; gelu and the derivatives (which cross zero) in units of {@code eps * max(1, |f|)}.
 */
class VecMathAccuracyTest {
    private static final int N = 200_000;

    private static double[] points(double lo, double hi, long seed) {
        Random r = new Random(seed);
        double[] x = new double[N];
        for (int i = 0; i < N; i++) {
            x[i] = lo + (hi - lo) * r.nextDouble();
        }
        return x;
    }

    /** Max error of op on the CPU backend: f32 in ulps (or scaled eps when absolute), f64 in units of 2^-52. */
    private static double maxError(Unary op, DType dt, double lo, double hi, boolean absolute) {
        double[] x = points(lo, hi, op.ordinal());
        try (CpuBackend be = new CpuBackend(1)) {
            Buffer b = HostData.upload(be, dt, x);
            be.unary(op, b, b, N);
            double[] got = HostData.toDoubles(b);
            double worst = 0;
            for (int i = 0; i < N; i++) {
                double xi = dt == DType.F32 ? (float) x[i] : x[i];
                double want = ElementwiseRef.apply(op, xi);
                double unit = dt == DType.F32
                        ? (absolute ? Math.ulp((float) Math.max(1, Math.abs(want))) : Math.ulp((float) want))
                        : (absolute ? Math.ulp(Math.max(1, Math.abs(want))) : Math.ulp(want));
                worst = Math.max(worst, Math.abs(got[i] - want) / unit);
            }
            b.close();
            System.out.printf("accuracy %s %-10s [%g, %g]: %.2f %s%n", dt, op, lo, hi, worst,
                    absolute ? "ulp(max(1,|f|))" : "ulp");
            return worst;
        }
    }

    /** f32 exp, tanh, sigmoid within 3 ulp, softplus within 4; gelu and derivatives within 4 ulp of max(1,|f|). */
    @Test
    void f32ActivationsWithinFewUlp() {
        assertTrue(maxError(Unary.EXP, DType.F32, -87, 88, false) <= 3);
        assertTrue(maxError(Unary.TANH, DType.F32, -20, 20, false) <= 3);
        assertTrue(maxError(Unary.TANH, DType.F32, -1e-3, 1e-3, false) <= 3);
        assertTrue(maxError(Unary.SIGMOID, DType.F32, -20, 20, false) <= 3);
        assertTrue(maxError(Unary.SOFTPLUS, DType.F32, -20, 20, false) <= 4);
        assertTrue(maxError(Unary.GELU, DType.F32, -8, 8, true) <= 4);
        assertTrue(maxError(Unary.D_GELU, DType.F32, -8, 8, true) <= 4);
        assertTrue(maxError(Unary.D_TANH, DType.F32, -8, 8, true) <= 4);
        assertTrue(maxError(Unary.D_SIGMOID, DType.F32, -8, 8, true) <= 4);
    }

    /** f64 exp, tanh, sigmoid, softplus within 4 ulp; gelu and derivatives within 8 ulp of max(1,|f|). */
    @Test
    void f64ActivationsWithinFewUlp() {
        assertTrue(maxError(Unary.EXP, DType.F64, -700, 700, false) <= 4);
        assertTrue(maxError(Unary.TANH, DType.F64, -20, 20, false) <= 4);
        assertTrue(maxError(Unary.TANH, DType.F64, -1e-3, 1e-3, false) <= 4);
        assertTrue(maxError(Unary.SIGMOID, DType.F64, -30, 30, false) <= 4);
        assertTrue(maxError(Unary.SOFTPLUS, DType.F64, -30, 30, false) <= 4);
        assertTrue(maxError(Unary.GELU, DType.F64, -8, 8, true) <= 8);
        assertTrue(maxError(Unary.D_GELU, DType.F64, -8, 8, true) <= 8);
        assertTrue(maxError(Unary.D_TANH, DType.F64, -8, 8, true) <= 8);
        assertTrue(maxError(Unary.D_SIGMOID, DType.F64, -8, 8, true) <= 8);
    }
}
