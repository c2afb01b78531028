package carnot.kernels.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host emulation implements the CUDA launch model: per-block shared memory and barriers (with blocks running
 * in parallel on two host threads), warp shuffles with CUDA's lane rules, atomics across blocks, and a reported
 * error (not a hang) for a divergent barrier. Runs the kernels of selftest.cu.
 */
class EmulatorSemanticsTest {

    private static int[] run(EmulatedLauncher dev, String kernel, int blocks, int threads, int ints) {
        long out = dev.malloc(4L * ints);
        try (Arena arena = Arena.ofConfined()) {
            dev.memsetZero(out, 4L * ints);
            dev.launch("selftest", kernel, Dim3.of(blocks), Dim3.of(threads), new KernelArgs().ptr(out));
            MemorySegment host = arena.allocate(ValueLayout.JAVA_INT, ints);
            dev.copyToHost(out, host, 4L * ints);
            return host.toArray(ValueLayout.JAVA_INT);
        } finally {
            dev.free(out);
        }
    }

    /** Every block sees only its own shared memory, and the barrier makes all writes visible before the reads. */
    @Test
    void sharedMemoryAndBarrierArePerBlock() {
        try (EmulatedLauncher dev = new EmulatedLauncher(2)) {
            int blocks = 7;
            int threads = 96;
            int[] out = run(dev, "selftest_block_reverse", blocks, threads, blocks * threads);
            for (int b = 0; b < blocks; b++) {
                for (int t = 0; t < threads; t++) {
                    assertEquals(1000 * b + threads - 1 - t, out[b * threads + t], "block " + b + " thread " + t);
                }
            }
        }
    }

    /** xor and down shuffles read the right lanes (down past the warp keeps the own value); butterfly sums agree. */
    @Test
    void warpShufflesFollowCudaLaneRules() {
        try (EmulatedLauncher dev = new EmulatedLauncher(1)) {
            int threads = 64;
            int[] out = run(dev, "selftest_shuffle", 1, threads, 3 * threads);
            int warpSum = 0;
            for (int l = 0; l < 32; l++) {
                warpSum += l * l + 1;
            }
            for (int t = 0; t < threads; t++) {
                int lane = t & 31;
                int partner = lane ^ 1;
                int down = lane + 5 < 32 ? lane + 5 : lane;
                assertEquals(partner * partner + 1, out[3 * t], "xor lane " + t);
                assertEquals(down * down + 1, out[3 * t + 1], "down lane " + t);
                assertEquals(warpSum, out[3 * t + 2], "warp sum lane " + t);
            }
        }
    }

    /** atomicAdd from 64 blocks x 256 threads on two host threads loses no update. */
    @Test
    void atomicsAcrossParallelBlocksAreExact() {
        try (EmulatedLauncher dev = new EmulatedLauncher(2)) {
            int[] out = run(dev, "selftest_atomic_count", 64, 256, 2);
            assertEquals(64 * 256, out[0]);
            assertEquals(256 * (63 * 64 / 2), out[1]);
        }
    }

    /**
     * Half a warp at __syncthreads and the other half at a shuffle can never proceed: reported with kernel, grid
     * and block instead of hanging (other warps that only shuffle and exit do not block anything).
     */
    @Test
    void divergentBarrierIsReportedNotHung() {
        try (EmulatedLauncher dev = new EmulatedLauncher(1)) {
            CudaException e = assertThrows(CudaException.class,
                    () -> run(dev, "selftest_divergent_barrier", 1, 64, 64));
            assertTrue(e.getMessage().contains("selftest_divergent_barrier") && e.getMessage().contains("deadlock")
                    && e.getMessage().contains("(64,1,1)"), e.getMessage());
        }
    }

    /** Input i of selftest_tc_rounding (selftest.cu's selftestRoundingInput). */
    static int roundingInput(int i) {
        int[] fixed = {0x3f801000, 0x3f800fff, 0xbf801000, 0x3f803000, 0x3f808000, 0x3f818000, 0xbf808000,
            0x7f7fffff, 0x7fc00001, 0x00001000, 0x00000fff, 0x80003000, 0x3f807fff, 0x3f7fffff, 0, 0x80000000};
        if (i < 16) {
            return fixed[i];
        }
        int x = -1640531535 * i + 12345;  // 2654435761u as a wrapping int
        x ^= x >>> 13;
        x *= 0x5bd1e995;
        x ^= x >>> 15;
        return (x & 0x807fffff) | ((Integer.remainderUnsigned(i, 200) + 27) << 23);
    }

    /**
     * {@code x} rounded to {@code bits} mantissa bits in double arithmetic (exact here): ties away from zero
     * ({@code cvt.rna}, TF32) or to even (BF16); the quantum of a subnormal is that of the smallest normal.
     */
    static float roundMantissa(float x, int bits, boolean tiesAway) {
        if (Float.isNaN(x) || Float.isInfinite(x) || x == 0) {
            return x;
        }
        double q = Math.scalb(1.0, Math.max(Math.getExponent(x), Float.MIN_EXPONENT) - bits);
        double m = Math.abs((double) x) / q;
        double r = (tiesAway ? Math.floor(m + 0.5) : Math.rint(m)) * q;
        return (float) Math.copySign(r, x);
    }

    /**
     * The emulated __float_to_tf32 and __float2bfloat16_rn round exactly as cvt.rna.tf32.f32 (ties away) and
     * cvt.rn.bf16.f32 (ties to even): 16 edge patterns (ties of both parities and signs, the largest float rounding
     * to infinity, NaN, subnormals, zeros) and 240 random normal floats, against a double-arithmetic oracle. Fails
     * if either rounding mode were swapped or replaced by truncation (the first ties tell them apart).
     */
    @Test
    void tensorCoreInputRoundingIsExact() {
        try (EmulatedLauncher dev = new EmulatedLauncher(1)) {
            int n = 256;
            int[] out = run(dev, "selftest_tc_rounding", 1, n, 2 * n);
            for (int i = 0; i < n; i++) {
                float x = Float.intBitsToFloat(roundingInput(i));
                float tf32 = Float.intBitsToFloat(out[2 * i]);
                float bf16 = Float.intBitsToFloat(out[2 * i + 1] << 16);
                String what = "input " + i + " = " + x + " (0x" + Integer.toHexString(roundingInput(i)) + ")";
                if (Float.isNaN(x)) {
                    assertTrue(Float.isNaN(tf32) && Float.isNaN(bf16), what + ": NaN must stay NaN");
                    continue;
                }
                assertEquals(roundMantissa(x, 10, true), tf32, what + " to tf32");
                assertEquals(0, out[2 * i] & 0x1fff, what + ": a tf32 keeps 10 mantissa bits");
                assertEquals(roundMantissa(x, 7, false), bf16, what + " to bf16");
            }
            assertEquals(0x3f802000, out[0], "1 + 2^-11 is a tf32 tie: away from zero");
            assertEquals(0x3f80, out[2 * 4 + 1], "1 + 2^-8 is a bf16 tie: to even (down)");
            assertEquals(0x3f82, out[2 * 5 + 1], "1 + 3 2^-8 is a bf16 tie: to even (up)");
        }
    }

    /** Input i of selftest_tc_mma (selftest.cu's selftestMmaInput). */
    static float mmaInput(int i) {
        int x = -2048144777 * i + 374761393;  // 2246822519u as a wrapping int
        x ^= x >>> 15;
        x *= 0x2c1b3c6d;
        x ^= x >>> 12;
        return Float.intBitsToFloat(0x3f800000 | (x & 0x807fffff));
    }

    /**
     * The emulated wmma products of the three shapes the GEMM uses equal the modelled tensor-core arithmetic:
     * operands rounded (TF32 ties away, BF16 ties to even), exact products accumulated in f32 in k order; f64 by
     * fused multiply-adds in k order. Every element is checked bitwise; an unrounded operand changes almost every
     * element (random 23-bit mantissas).
     */
    @Test
    void wmmaShapesComputeTheModelledProducts() {
        try (EmulatedLauncher dev = new EmulatedLauncher(1)) {
            int[] out = run(dev, "selftest_tc_mma", 1, 32, 640);
            for (int i = 0; i < 16; i++) {
                for (int j = 0; j < 16; j++) {
                    float tf = 0;
                    for (int q = 0; q < 8; q++) {
                        tf += roundMantissa(mmaInput(i * 8 + q), 10, true)
                                * roundMantissa(mmaInput(200 + q * 16 + j), 10, true);
                    }
                    assertEquals(tf, Float.intBitsToFloat(out[i * 16 + j]), "tf32 16x16x8 at " + i + "," + j);
                    float bf = 0;
                    for (int q = 0; q < 16; q++) {
                        bf += roundMantissa(mmaInput(400 + i * 16 + q), 7, false)
                                * roundMantissa(mmaInput(700 + q * 16 + j), 7, false);
                    }
                    assertEquals(bf, Float.intBitsToFloat(out[256 + i * 16 + j]), "bf16 16x16x16 at " + i + "," + j);
                }
            }
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 8; j++) {
                    double d = 0;
                    for (int q = 0; q < 4; q++) {
                        int ia = 1000 + i * 4 + q;
                        int ib = 1100 + q * 8 + j;
                        d = Math.fma(mmaInput(ia) + ia * 0x1p-40, mmaInput(ib) + ib * 0x1p-40, d);
                    }
                    int e = 512 + 2 * (i * 8 + j);
                    long bits = (out[e] & 0xffffffffL) | ((long) out[e + 1] << 32);
                    assertEquals(d, Double.longBitsToDouble(bits), "f64 8x8x4 at " + i + "," + j);
                }
            }
        }
    }

    /**
     * cp.async is modelled asynchronously: data lands only at __pipeline_wait_prior, so a kernel that read a stage
     * before waiting would see stale shared memory here too (selftest_pipeline: reads before and after the wait).
     */
    @Test
    void asyncCopiesLandAtTheWait() {
        try (EmulatedLauncher dev = new EmulatedLauncher(1)) {
            int[] out = run(dev, "selftest_pipeline", 1, 32, 4 * 32);
            for (int t = 0; t < 32; t++) {
                assertEquals(-1, out[4 * t], "before any wait, lane " + t);
                assertEquals(1000 + t, out[4 * t + 1], "after wait_prior(1): the first batch, lane " + t);
                assertEquals(-1, out[4 * t + 2], "after wait_prior(1): not the second batch, lane " + t);
                assertEquals(2000 + t, out[4 * t + 3], "after wait_prior(0): the second batch, lane " + t);
            }
        }
    }
}
