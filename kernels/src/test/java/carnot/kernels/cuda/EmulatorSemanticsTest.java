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
}
