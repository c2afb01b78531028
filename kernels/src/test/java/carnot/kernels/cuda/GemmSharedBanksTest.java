package carnot.kernels.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared-memory layouts of the GEMM kernels are free of bank conflicts: selftest_gemm_smem_offsets evaluates the
 * kernels' own index functions (gemm_tile.h: the loaders' chunk mappings, the SIMT thread tile, the tensor-core
 * tile geometry) for all 256 threads and every access pattern, and this test simulates the banks: 32 banks of 4
 * bytes; a 16-byte access is served per quarter warp (8 lanes), an 8-byte one per half warp, smaller ones per warp;
 * within such a phase the lanes touching distinct 4-byte words of one bank conflict (the same word is a broadcast).
 * Every pattern must need exactly one wavefront per phase. The tensor-core fragment reads are modelled by the
 * documented mma.sync operand layouts (see selftest.cu).
 */
class GemmSharedBanksTest {
    private static final int THREADS = 256;
    private static final int STRIDE = THREADS + 2;
    private static final Map<Integer, String> CONFIG = Map.of(1, "SIMT f32", 2, "SIMT f64", 3, "TF32", 4, "BF16",
            5, "f64 DMMA");
    private static final String[] KIND = {"A copy store", "A transposed store", "B copy store",
        "B transposed store", "A math reads", "B math reads"};

    /** One access pattern: tag (config * 10 + kind), width in bytes, per-thread byte offsets. */
    record Pattern(int tag, int width, int[] offsets) {
        String name() {
            return CONFIG.get(tag / 10) + " " + KIND[tag % 10];
        }
    }

    static List<Pattern> patterns() {
        try (EmulatedLauncher dev = new EmulatedLauncher(1); Arena arena = Arena.ofConfined()) {
            int ints = 1 + STRIDE * 256;
            long out = dev.malloc(4L * ints);
            try {
                dev.memsetZero(out, 4L * ints);
                dev.launch("selftest", "selftest_gemm_smem_offsets", Dim3.of(1), Dim3.of(THREADS),
                        new KernelArgs().ptr(out));
                MemorySegment host = arena.allocate(ValueLayout.JAVA_INT, ints);
                dev.copyToHost(out, host, 4L * ints);
                int[] v = host.toArray(ValueLayout.JAVA_INT);
                List<Pattern> ps = new ArrayList<>();
                for (int p = 0; p < v[0]; p++) {
                    int base = 1 + p * STRIDE;
                    int[] off = new int[THREADS];
                    System.arraycopy(v, base + 2, off, 0, THREADS);
                    ps.add(new Pattern(v[base], v[base + 1], off));
                }
                return ps;
            } finally {
                dev.free(out);
            }
        }
    }

    /** The largest number of wavefronts any phase of any warp needs for pattern p (1 = conflict-free). */
    static int worstWavefronts(Pattern p) {
        int lanesPerPhase = p.width() == 16 ? 8 : p.width() == 8 ? 16 : 32;
        int worst = 0;
        for (int first = 0; first < THREADS; first += lanesPerPhase) {
            Map<Integer, Set<Integer>> wordsPerBank = new HashMap<>();
            for (int t = first; t < first + lanesPerPhase; t++) {
                int w0 = p.offsets()[t] / 4;
                for (int w = w0; w < w0 + Math.max(1, p.width() / 4); w++) {
                    wordsPerBank.computeIfAbsent(w % 32, b -> new HashSet<>()).add(w);
                }
            }
            for (Set<Integer> words : wordsPerBank.values()) {
                worst = Math.max(worst, words.size());
            }
        }
        return worst;
    }

    @Test
    void everyGemmSharedAccessIsConflictFree() {
        List<Pattern> ps = patterns();
        Map<Integer, Integer> perTag = new TreeMap<>();
        List<String> conflicts = new ArrayList<>();
        for (Pattern p : ps) {
            perTag.merge(p.tag(), 1, Integer::sum);
            assertTrue(p.width() == 2 || p.width() == 4 || p.width() == 8 || p.width() == 16,
                    p.name() + ": access width must be 2, 4, 8 or 16 bytes; given " + p.width());
            for (int off : p.offsets()) {
                assertEquals(0, off % p.width(), p.name() + ": offset " + off + " is not aligned to its width");
            }
            int w = worstWavefronts(p);
            if (w != 1) {
                conflicts.add(p.name() + " (" + p.width() + "-byte): " + w + "-way bank conflict");
            }
        }
        assertEquals(List.of(), conflicts, "bank conflicts in the GEMM shared-memory layouts");
        // every configuration reports its stores of both operands (both layouts) and its math reads
        for (int config = 1; config <= 5; config++) {
            for (int kind = 0; kind < 6; kind++) {
                assertTrue(perTag.containsKey(config * 10 + kind), "no " + CONFIG.get(config) + " " + KIND[kind]
                        + " pattern reported; given tags " + perTag.keySet());
            }
        }
    }

    /** The simulation itself: a stride-32-word column read conflicts 32 ways, a broadcast and a row do not. */
    @Test
    void bankSimulationDetectsConflicts() {
        int[] column = new int[THREADS];
        int[] row = new int[THREADS];
        int[] broadcast = new int[THREADS];
        int[] pad33 = new int[THREADS];
        for (int t = 0; t < THREADS; t++) {
            column[t] = 128 * (t % 32);
            row[t] = 4 * t;
            pad33[t] = 4 * 33 * (t % 32);
        }
        assertEquals(32, worstWavefronts(new Pattern(10, 4, column)));
        assertEquals(1, worstWavefronts(new Pattern(10, 4, row)));
        assertEquals(1, worstWavefronts(new Pattern(10, 4, broadcast)));
        assertEquals(1, worstWavefronts(new Pattern(10, 4, pad33)));
        int[] vec = new int[THREADS];
        for (int t = 0; t < THREADS; t++) {
            vec[t] = 16 * t;
        }
        assertEquals(1, worstWavefronts(new Pattern(10, 16, vec)));
        int[] vec2 = vec.clone();
        vec2[1] = vec2[0] + 128;  // lane 1 reads the words 32 apart from lane 0's, in the same quarter warp
        assertEquals(2, worstWavefronts(new Pattern(10, 16, vec2)));
    }
}
