package carnot.kernels.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The pieces of the sm_90a warpgroup-MMA GEMM (gemm_wgmma.cu) that the conformance harness cannot isolate:
 * <ul>
 * <li>the emulation's decoding of shared-memory matrix descriptors (emu/cuda_emu_wgmma.h) against the K-major
 * layouts of the PTX ISA (9.7.15.5.1.2, Figures 157, 159, 161 and the no-swizzle tf32 example of Figure 166), written
 * out here by hand as chunk tables; the descriptors are encoded here from the ISA's bit table (9.7.15.5.1.2.2),
 * independently of the kernel's and the emulation's code;</li>
 * <li>the kernel's staging stores into the 64-byte-swizzled layout are free of bank conflicts (the bank simulation of
 * {@link GemmSharedBanksTest}), for both operand layouts of both modes.</li>
 * </ul>
 */
class GemmWgmmaTest {
    private static final int START = 0x2400;  // a 1024-byte-aligned shared address

    /**
     * A matrix descriptor (PTX ISA 9.7.15.5.1.2.2): bits 13-0 start, 29-16 LBO, 45-32 SBO (each (x & 0x3FFFF) >> 4),
     * 51-49 base offset 0, 63-62 swizzle mode (0 none, 1 128-byte, 2 64-byte, 3 32-byte).
     */
    static long descriptor(int start, int lbo, int sbo, int mode) {
        return ((start & 0x3FFFFL) >> 4) | (((lbo & 0x3FFFFL) >> 4) << 16) | (((sbo & 0x3FFFFL) >> 4) << 32)
                | ((long) mode << 62);
    }

    /** The emulation's shared addresses of K bytes [0, 16) and [16, 32) of rows 0 .. rows - 1 of descriptor d. */
    static int[] decoded(EmulatedLauncher dev, long d, int rows) {
        try (Arena arena = Arena.ofConfined()) {
            long out = dev.malloc(8L * rows);
            try {
                dev.launch("gemm_wgmma", "selftest_wgmma_decode", Dim3.of(1), Dim3.of(1),
                        new KernelArgs().i64(d).i32(rows).ptr(out));
                MemorySegment host = arena.allocate(ValueLayout.JAVA_INT, 2L * rows);
                dev.copyToHost(out, host, 8L * rows);
                return host.toArray(ValueLayout.JAVA_INT);
            } finally {
                dev.free(out);
            }
        }
    }

    // Where the 16-byte chunk c of row r of a K-major swizzle atom lies (chunk index within the row), read off the
    // ISA's figures: 128-byte swizzle (8 rows x 8 chunks), 64-byte (8 x 4: row pairs share a 128-byte line), 32-byte.
    private static final int[][] SW128 = {
        {0, 1, 2, 3, 4, 5, 6, 7}, {1, 0, 3, 2, 5, 4, 7, 6}, {2, 3, 0, 1, 6, 7, 4, 5}, {3, 2, 1, 0, 7, 6, 5, 4},
        {4, 5, 6, 7, 0, 1, 2, 3}, {5, 4, 7, 6, 1, 0, 3, 2}, {6, 7, 4, 5, 2, 3, 0, 1}, {7, 6, 5, 4, 3, 2, 1, 0}};
    private static final int[][] SW64 = {
        {0, 1, 2, 3}, {0, 1, 2, 3}, {1, 0, 3, 2}, {1, 0, 3, 2}, {2, 3, 0, 1}, {2, 3, 0, 1}, {3, 2, 1, 0}, {3, 2, 1, 0}};
    private static final int[][] SW32 = {{0, 1}, {0, 1}, {0, 1}, {0, 1}, {1, 0}, {1, 0}, {1, 0}, {1, 0}};

    /**
     * Every swizzle mode: 24 rows (three 8-row atoms, SBO = 8 rows), each instruction-sized K step (32 bytes, the start
     * advanced inside the atom) against the tables above.
     */
    @Test
    void swizzledKMajorDescriptorsDecodeToTheIsaLayouts() {
        assumeTrue(EmulatedLauncher.unavailableReason() == null, EmulatedLauncher::unavailableReason);
        try (EmulatedLauncher dev = new EmulatedLauncher(1)) {
            Map<Integer, int[][]> modes = Map.of(1, SW128, 2, SW64, 3, SW32);
            for (var e : modes.entrySet()) {
                int[][] table = e.getValue();
                int width = 16 * table[0].length;
                int sbo = 8 * width;
                for (int step = 0; step < width / 32; step++) {
                    int[] got = decoded(dev, descriptor(START + 32 * step, 16, sbo, e.getKey()), 24);
                    for (int r = 0; r < 24; r++) {
                        for (int c = 0; c < 2; c++) {
                            int chunk = table[r % 8][2 * step + c];
                            int want = START + (r / 8) * sbo + (r % 8) * width + 16 * chunk;
                            assertEquals(want, got[2 * r + c], width + "-byte swizzle, K step " + step + ", row " + r
                                    + ", chunk " + (2 * step + c));
                        }
                    }
                }
            }
        }
    }

    /**
     * No swizzle, the ISA's tf32 example (Figure 166): 8 x 16-byte core matrices, rows 16 bytes apart, LBO = 256 bytes
     * to the next 16 bytes of K, SBO = 128 bytes to the next 8 rows: Swizzle<0,4,3> o ((8,2),(4,4)):((4,32),(1,64)).
     */
    @Test
    void interleavedKMajorDescriptorDecodesToTheIsaExample() {
        assumeTrue(EmulatedLauncher.unavailableReason() == null, EmulatedLauncher::unavailableReason);
        try (EmulatedLauncher dev = new EmulatedLauncher(1)) {
            int[] got = decoded(dev, descriptor(START, 64 * 4, 32 * 4, 0), 16);
            for (int r = 0; r < 16; r++) {
                for (int kk = 0; kk < 8; kk += 4) {  // tf32 elements 0 and 4: the two 16-byte chunks
                    int want = START + 4 * ((r % 8) * 4 + (r / 8) * 32 + (kk % 4) + (kk / 4) * 64);
                    assertEquals(want, got[2 * r + kk / 4], "no swizzle, row " + r + ", k " + kk);
                }
            }
            // the encoding is what the ISA's example states: LBO >> 4 = 16, SBO >> 4 = 8
            long d = descriptor(START, 64 * 4, 32 * 4, 0);
            assertEquals(16, (d >> 16) & 0x3FFF);
            assertEquals(8, (d >> 32) & 0x3FFF);
        }
    }

    /** The staging stores of selftest_wgmma_smem_offsets: tag (1..4, see gemm_wgmma.cu), width, 256 offsets. */
    static List<GemmSharedBanksTest.Pattern> stagingPatterns() {
        int stride = 258;
        int ints = 1 + stride * 64;
        try (EmulatedLauncher dev = new EmulatedLauncher(1); Arena arena = Arena.ofConfined()) {
            long out = dev.malloc(4L * ints);
            try {
                dev.memsetZero(out, 4L * ints);
                dev.launch("gemm_wgmma", "selftest_wgmma_smem_offsets", Dim3.of(1), Dim3.of(256),
                        new KernelArgs().ptr(out));
                MemorySegment host = arena.allocate(ValueLayout.JAVA_INT, ints);
                dev.copyToHost(out, host, 4L * ints);
                int[] v = host.toArray(ValueLayout.JAVA_INT);
                List<GemmSharedBanksTest.Pattern> ps = new ArrayList<>();
                for (int p = 0; p < v[0]; p++) {
                    int base = 1 + p * stride;
                    int[] off = new int[256];
                    System.arraycopy(v, base + 2, off, 0, 256);
                    ps.add(new GemmSharedBanksTest.Pattern(v[base], v[base + 1], off));
                }
                return ps;
            } finally {
                dev.free(out);
            }
        }
    }

    /** Every staging store of the wgmma loaders (both modes, copy and transposed operands) is conflict-free. */
    @Test
    void stagingStoresAreConflictFree() {
        assumeTrue(EmulatedLauncher.unavailableReason() == null, EmulatedLauncher::unavailableReason);
        String[] names = {"", "TF32 copy store", "TF32 transposed store", "BF16 copy store", "BF16 transposed store"};
        List<GemmSharedBanksTest.Pattern> ps = stagingPatterns();
        Map<Integer, Integer> perTag = new TreeMap<>();
        List<String> conflicts = new ArrayList<>();
        for (GemmSharedBanksTest.Pattern p : ps) {
            perTag.merge(p.tag(), 1, Integer::sum);
            for (int off : p.offsets()) {
                assertTrue(off >= 0 && off < 128 * 64 && off % p.width() == 0, names[p.tag()] + ": offset " + off
                        + " must be inside the 8 KB tile and aligned to " + p.width());
            }
            int w = GemmSharedBanksTest.worstWavefronts(p);
            if (w != 1) {
                conflicts.add(names[p.tag()] + " (" + p.width() + "-byte): " + w + "-way bank conflict");
            }
        }
        assertEquals(List.of(), conflicts, "bank conflicts in the wgmma staging stores");
        // TF32: 2 chunks a thread (1 copy + 4 transposed stores each); BF16: 4 chunks
        assertEquals(Map.of(1, 2, 2, 8, 3, 4, 4, 16), perTag);
    }

    /** Each loader writes every byte of its tile exactly once (copy and transposed mappings alike). */
    @Test
    void stagingStoresCoverTheTileOnce() {
        assumeTrue(EmulatedLauncher.unavailableReason() == null, EmulatedLauncher::unavailableReason);
        List<GemmSharedBanksTest.Pattern> ps = stagingPatterns();
        for (int tag = 1; tag <= 4; tag++) {
            int[] hits = new int[128 * 64];
            for (GemmSharedBanksTest.Pattern p : ps) {
                if (p.tag() == tag) {
                    for (int off : p.offsets()) {
                        for (int b = off; b < off + p.width(); b++) {
                            hits[b]++;
                        }
                    }
                }
            }
            for (int b = 0; b < hits.length; b++) {
                assertEquals(1, hits[b], "pattern " + tag + ": byte " + b + " of the tile is written " + hits[b]
                        + " times");
            }
        }
    }
}
