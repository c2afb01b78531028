package carnot.kernels.rng;

import carnot.kernels.DType;
import carnot.kernels.Elem;

import java.lang.foreign.MemorySegment;

/**
 * The counter-based random numbers every backend must reproduce exactly.
 *
 * <p><b>Generator.</b> Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3",
 * SC 2011): a 4-word counter {@code (c0, c1, c2, c3)} and 2-word key {@code (k0, k1)}; ten rounds of
 * <pre>
 *   (hi0, lo0) = M0 * c0   (M0 = 0xD2511F53, 64-bit unsigned product split in 32-bit halves)
 *   (hi1, lo1) = M1 * c2   (M1 = 0xCD9E8D57)
 *   (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
 *   (k0, k1) += (W0, W1)   (W0 = 0x9E3779B9, W1 = 0xBB67AE85; between rounds)
 * </pre>
 * giving output words {@code w0..w3}.
 *
 * <p><b>Streams.</b> Element {@code i} of a call with {@code (seed, offset)} uses {@code j = offset + i} (64-bit),
 * counter {@code (lo32(j), hi32(j), 0, 0)} and key {@code (lo32(seed), hi32(seed))}.
 * <ul>
 *   <li>Uniform: {@code u = ((w0 >>> 5) * 2^26 + (w1 >>> 6)) * 2^-53} in [0, 1) (53 random bits); the value is
 *       {@code lo + (hi - lo) * u} computed in double, then rounded to the buffer dtype (F32 rounding may reach hi).</li>
 *   <li>Normal: {@code u1 = 1 - uniform(w0, w1)} in (0, 1], {@code u2 = uniform(w2, w3)},
 *       {@code z = sqrt(-2 ln u1) * cos(2 pi u2)} with {@code ln} and {@code cos} from {@link StrictMath} (fdlibm,
 *       so the same bits on every JVM), value {@code mean + std * z} in double, then rounded.</li>
 * </ul>
 * Element i depends only on (seed, offset + i), so any partition of the range gives the same numbers.
 */
public final class Philox {
    public static final int M0 = 0xD2511F53;
    public static final int M1 = 0xCD9E8D57;
    public static final int W0 = 0x9E3779B9;
    public static final int W1 = 0xBB67AE85;
    private static final double TWO_PI = 2 * Math.PI;

    private Philox() {
    }

    /** Philox4x32-10 of counter (c0..c3) under key (k0, k1), written into {@code out[0..3]}. */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int r = 0; r < 10; r++) {
            long p0 = (c0 & 0xffffffffL) * (M0 & 0xffffffffL);
            long p1 = (c2 & 0xffffffffL) * (M1 & 0xffffffffL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            c1 = (int) p1;
            c3 = (int) p0;
            c0 = n0;
            c2 = n2;
            k0 += W0;
            k1 += W1;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /** The uniform double in [0, 1) made of two words: {@code ((a >>> 5) 2^26 + (b >>> 6)) 2^-53}. */
    public static double unit(int a, int b) {
        return ((long) (a >>> 5) * 67108864L + (b >>> 6)) * 0x1.0p-53;
    }

    /** Uniform element {@code j} of stream {@code seed}, in [0, 1). */
    public static double uniformAt(long seed, long j) {
        int[] w = new int[4];
        block((int) j, (int) (j >>> 32), 0, 0, (int) seed, (int) (seed >>> 32), w);
        return unit(w[0], w[1]);
    }

    /** Standard normal element {@code j} of stream {@code seed} (Box-Muller, cosine branch). */
    public static double normalAt(long seed, long j) {
        int[] w = new int[4];
        block((int) j, (int) (j >>> 32), 0, 0, (int) seed, (int) (seed >>> 32), w);
        return boxMuller(w);
    }

    private static double boxMuller(int[] w) {
        double u1 = 1 - unit(w[0], w[1]);
        double u2 = unit(w[2], w[3]);
        return Math.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(TWO_PI * u2);
    }

    /** {@code out[i] = lo + (hi - lo) U(seed, offset + i)} for i in [from, to). */
    public static void uniform(DType t, MemorySegment out, long from, long to, long seed, long offset,
                               double lo, double hi) {
        int[] w = new int[4];
        int k0 = (int) seed;
        int k1 = (int) (seed >>> 32);
        for (long i = from; i < to; i++) {
            long j = offset + i;
            block((int) j, (int) (j >>> 32), 0, 0, k0, k1, w);
            Elem.set(out, t, i, lo + (hi - lo) * unit(w[0], w[1]));
        }
    }

    /** {@code out[i] = mean + std N(seed, offset + i)} for i in [from, to). */
    public static void normal(DType t, MemorySegment out, long from, long to, long seed, long offset,
                              double mean, double std) {
        int[] w = new int[4];
        int k0 = (int) seed;
        int k1 = (int) (seed >>> 32);
        for (long i = from; i < to; i++) {
            long j = offset + i;
            block((int) j, (int) (j >>> 32), 0, 0, k0, k1, w);
            Elem.set(out, t, i, mean + std * boxMuller(w));
        }
    }
}
