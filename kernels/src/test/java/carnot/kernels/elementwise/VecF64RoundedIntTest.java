package carnot.kernels.elementwise;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VecF64#roundedInt} (the integer of {@code t = k + MAGIC} read from t's bits) equals the D2L conversion of
 * {@code t - MAGIC} it replaces in {@link VecF64#exp} and {@link VecF64#expm1Neg}, lane for lane, over the clamped
 * argument ranges of both, so their results are bitwise those of the conversion; NaN arguments stay NaN.
 */
class VecF64RoundedIntTest {
    private static final double LOG2E = 1.4426950408889634;
    private static final double MAGIC = 6755399441055744.0;

    private static void check(double[] x) {
        int lanes = VecF64.S.length();
        long[] got = new long[lanes];
        long[] want = new long[lanes];
        for (int i = 0; i + lanes <= x.length; i += lanes) {
            DoubleVector t = DoubleVector.fromArray(VecF64.S, x, i).fma(LOG2E, MAGIC);
            VecF64.roundedInt(t).intoArray(got, 0);
            ((LongVector) t.sub(MAGIC).convert(VectorOperators.D2L, 0)).intoArray(want, 0);
            assertArrayEquals(want, got, "x from index " + i);
        }
    }

    @Test
    void equalsTheConversionOverTheClampedRange() {
        Random r = new Random(7);
        double[] x = new double[1 << 16];
        for (int i = 0; i < x.length; i++) {
            x[i] = -746.0 + 1456.0 * r.nextDouble();
        }
        check(x);
        for (int i = 0; i < x.length; i++) {
            x[i] = -40.0 * r.nextDouble();
        }
        check(x);
    }

    @Test
    void equalsTheConversionAtEndsAndRoundingTies() {
        int lanes = VecF64.S.length();
        double[] special = {-746.0, 710.0, -40.0, 0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, 0.5 / LOG2E,
                -0.5 / LOG2E, 1.5 / LOG2E, -1.5 / LOG2E, Math.nextUp(0.5 / LOG2E), Math.nextDown(-0.5 / LOG2E),
                1 / LOG2E, -1 / LOG2E, 1e-300, -1e-300, Math.nextDown(710.0), Math.nextUp(-746.0)};
        double[] x = new double[((special.length + lanes - 1) / lanes) * lanes];
        System.arraycopy(special, 0, x, 0, special.length);
        check(x);
    }

    @Test
    void nanStaysNaN() {
        DoubleVector nan = DoubleVector.broadcast(VecF64.S, Double.NaN);
        for (DoubleVector y : new DoubleVector[]{VecF64.exp(nan), VecF64.expm1Neg(nan), VecF64.tanh(nan),
                VecF64.dTanh(nan)}) {
            for (double v : y.toArray()) {
                assertTrue(Double.isNaN(v), "NaN in gave " + v);
            }
        }
    }
}
