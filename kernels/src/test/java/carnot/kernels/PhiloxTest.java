package carnot.kernels;

import carnot.kernels.rng.Philox;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Philox4x32-10 against the Random123 known-answer vectors, and the statistics of its normal stream. */
class PhiloxTest {

    /** Random123 KAT: counter = key = 0 and counter = key = all ones. */
    @Test
    void knownAnswerVectorsFromRandom123() {
        int[] w = new int[4];
        Philox.block(0, 0, 0, 0, 0, 0, w);
        assertArrayEquals(new int[]{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, w);
        Philox.block(-1, -1, -1, -1, -1, -1, w);
        assertArrayEquals(new int[]{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, w);
    }

    /** Random123 KAT with the pi digits counter/key (0x243f6a88 ...). */
    @Test
    void knownAnswerVectorPiDigits() {
        int[] w = new int[4];
        Philox.block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, w);
        assertArrayEquals(new int[]{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}, w);
    }

    /** The uniform/normal formulas give fixed values for seed 42 (pins the spec against silent change). */
    @Test
    void fixedSeedValuesArePinned() {
        int[] w = new int[4];
        Philox.block(0, 0, 0, 0, 42, 0, w);
        double u = Philox.unit(w[0], w[1]);
        assertEquals(((long) (w[0] >>> 5) * 67108864L + (w[1] >>> 6)) / 9007199254740992.0, u, 0.0);
        assertEquals(u, Philox.uniformAt(42, 0), 0.0);
        double z = Math.sqrt(-2 * StrictMath.log(1 - u)) * StrictMath.cos(2 * Math.PI * Philox.unit(w[2], w[3]));
        assertEquals(z, Philox.normalAt(42, 0), 0.0);
        assertEquals(FIXED_U0, Philox.uniformAt(42, 0), 0.0, "uniform(seed 42, j 0)");
        assertEquals(FIXED_N7, Philox.normalAt(42, 7), 0.0, "normal(seed 42, j 7)");
    }

    static final double FIXED_U0 = 0.6129598801477738;
    static final double FIXED_N7 = 0.7943242814602077;

    /** Mean, variance, skew and excess kurtosis of 1e6 normals are within 5 standard errors of N(0,1). */
    @Test
    void momentsOfAMillionNormals() {
        try (RefBackend be = new RefBackend(); Buffer b = be.alloc(DType.F64, 1_000_000)) {
            be.normal(b, b.length(), 1234, 0, 0, 1);
            double[] x = HostData.toDoubles(b);
            double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
            for (double v : x) {
                m1 += v;
            }
            m1 /= x.length;
            for (double v : x) {
                double d = v - m1;
                m2 += d * d;
                m3 += d * d * d;
                m4 += d * d * d * d;
            }
            m2 /= x.length;
            m3 /= x.length;
            m4 /= x.length;
            double n = x.length;
            assertTrue(Math.abs(m1) < 5 / Math.sqrt(n), "mean " + m1);
            assertTrue(Math.abs(m2 - 1) < 5 * Math.sqrt(2 / n), "variance " + m2);
            assertTrue(Math.abs(m3) < 5 * Math.sqrt(6 / n), "skew " + m3);
            assertTrue(Math.abs(m4 / (m2 * m2) - 3) < 5 * Math.sqrt(24 / n), "kurtosis " + m4 / (m2 * m2));
        }
    }
}
