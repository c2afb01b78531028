package carnot.kernels.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The build's ptxas report ({@code target/cuda-ptxas/resource-usage.txt}, written by build.sh with
 * {@code -Xptxas -v}): every shipped kernel (every entry of the PTX modules {@link JCudaLauncher} loads, both dtypes)
 * is in it for each target (sm_75 from the PTX as the driver JIT assembles it, the sm_80 and sm_90 cubins; the
 * arch-specific modules only for sm_90a), and none spills (0 bytes spill stores and loads). Writes {@code target/cuda-ptxas/resource-usage.md}: registers, static
 * shared memory, stack frame and the theoretical H100 occupancy per kernel (the table in kernels/CUDA.md).
 * Skipped, with the reason, when the kernels were built without nvcc.
 */
class PtxasReportTest {
    static final List<String> TARGETS = List.of("sm_75", "sm_80", "sm_90");
    /** The one target of the arch-specific modules ({@link JCudaLauncher#SM90A_MODULES}). */
    static final String SM90A = "sm_90a";
    private static final Pattern SECTION = Pattern.compile("^## (\\w+)\\.(sm_\\d+a?)$");
    private static final Pattern PROPERTIES = Pattern.compile("Function properties for (\\w+)");
    private static final Pattern SPILL = Pattern.compile(
            "(\\d+) bytes stack frame, (\\d+) bytes spill stores, (\\d+) bytes spill loads");
    private static final Pattern USED = Pattern.compile("Used (\\d+) registers");
    private static final Pattern SMEM = Pattern.compile("(\\d+) bytes smem");
    private static final Pattern ENTRY = Pattern.compile("\\.entry (\\w+)\\(");

    /** One kernel's resources on one target. */
    record Usage(int registers, int sharedBytes, int stackBytes, int spillStores, int spillLoads) {
    }

    /** Parses the concatenated ptxas -v output: module/kernel -> target -> usage. */
    static Map<String, Map<String, Usage>> parse(List<String> lines) {
        Map<String, Map<String, Usage>> out = new TreeMap<>();
        String module = null;
        String target = null;
        String kernel = null;
        int[] spill = null;
        for (String line : lines) {
            Matcher m;
            if ((m = SECTION.matcher(line)).matches()) {
                module = m.group(1);
                target = m.group(2);
                kernel = null;
            } else if ((m = PROPERTIES.matcher(line)).find()) {
                kernel = m.group(1);
                spill = null;
            } else if (kernel != null && (m = SPILL.matcher(line)).find()) {
                spill = new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                        Integer.parseInt(m.group(3))};
            } else if (kernel != null && (m = USED.matcher(line)).find()) {
                assertNotNull(spill, "ptxas report: no stack/spill line before '" + line + "' for " + kernel);
                Matcher s = SMEM.matcher(line);
                int smem = s.find() ? Integer.parseInt(s.group(1)) : 0;
                out.computeIfAbsent(module + "/" + kernel, k -> new TreeMap<>()).put(target,
                        new Usage(Integer.parseInt(m.group(1)), smem, spill[0], spill[1], spill[2]));
                kernel = null;
            }
        }
        return out;
    }

    /**
     * Theoretical occupancy (resident warps / 64) of a kernel on an H100 (sm_90: 64 K registers, 2048 threads,
     * 32 blocks and 228 KB shared memory per SM, 1 KB reserved per block, registers allocated per warp in units of
     * 256) at {@code threads} per block.
     */
    static double h100Occupancy(int registers, int sharedBytes, int threads) {
        int warpsPerBlock = (threads + 31) / 32;
        int regsPerWarp = (registers * 32 + 255) / 256 * 256;
        int byRegs = regsPerWarp == 0 ? 32 : 65536 / regsPerWarp / warpsPerBlock;
        int bySmem = 228 * 1024 / (sharedBytes + 1024);
        int byThreads = 2048 / (warpsPerBlock * 32);
        int blocks = Math.min(32, Math.min(byRegs, Math.min(bySmem, byThreads)));
        return blocks * warpsPerBlock / 64.0;
    }

    /** The PTX of a module: ptx/ for the portable modules, sm_90a/ (compute_90a) for the arch-specific ones. */
    static String ptx(String module) {
        String dir = JCudaLauncher.SM90A_MODULES.contains(module) ? "sm_90a/" : "ptx/";
        try (InputStream in = PtxasReportTest.class.getResourceAsStream(CudaSupport.RESOURCES + dir + module
                + ".ptx")) {
            assertNotNull(in, "PTX of module " + module + " is not on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void noShippedKernelSpillsOnAnyTarget() throws IOException {
        String nvcc = CudaSupport.buildInfo().getProperty("nvcc");
        assumeTrue(nvcc != null && !nvcc.equals("not found"),
                "nvcc was not found when the kernels were built (build-info nvcc=" + nvcc + "): no ptxas report");
        Path report = Path.of(System.getProperty("carnot.build.dir", "target"), "cuda-ptxas", "resource-usage.txt");
        assertTrue(Files.isRegularFile(report), "the kernels build with nvcc " + nvcc + " must write " + report
                + " (build.sh, -Xptxas -v); it is missing");
        Map<String, Map<String, Usage>> usage = parse(Files.readAllLines(report));

        Map<String, List<String>> shipped = new TreeMap<>();
        Matcher m = ENTRY.matcher("");
        List<String> modules = new ArrayList<>(JCudaLauncher.MODULES);
        modules.addAll(JCudaLauncher.SM90A_MODULES);
        for (String module : modules) {
            m.reset(ptx(module));
            while (m.find()) {
                shipped.put(module + "/" + m.group(1),
                        JCudaLauncher.SM90A_MODULES.contains(module) ? List.of(SM90A) : TARGETS);
            }
        }
        assertTrue(shipped.keySet().stream().anyMatch(k -> k.startsWith("gemm_wgmma/")), "no sm_90a kernel shipped");
        List<String> problems = new ArrayList<>();
        for (String k : shipped.keySet()) {
            Map<String, Usage> perTarget = usage.getOrDefault(k, Map.of());
            for (String target : shipped.get(k)) {
                Usage u = perTarget.get(target);
                if (u == null) {
                    problems.add(k + " on " + target + ": not in the ptxas report");
                } else if (u.spillStores() != 0 || u.spillLoads() != 0) {
                    problems.add(k + " on " + target + ": requires 0 bytes spill stores/loads; given "
                            + u.spillStores() + " / " + u.spillLoads());
                }
            }
        }
        assertEquals(List.of(), problems, "ptxas report " + report);

        StringBuilder md = new StringBuilder("| kernel | registers sm_75 / sm_80 / sm_90 | static shared memory, bytes"
                + " | stack frame, bytes (sm_90) | H100 occupancy at 256 threads/block |\n|---|---|---|---|---|\n");
        for (String k : shipped.keySet()) {
            Map<String, Usage> u = usage.get(k);
            boolean sm90a = u.containsKey(SM90A);
            Usage h = u.get(sm90a ? SM90A : "sm_90");
            md.append("| `").append(k).append("` | ").append(sm90a ? "- / - / " + h.registers() + " (sm_90a)"
                    : u.get("sm_75").registers() + " / " + u.get("sm_80").registers() + " / " + h.registers())
                    .append(" | ")
                    .append(h.sharedBytes()).append(" | ").append(h.stackBytes()).append(" | ")
                    .append(Math.round(100 * h100Occupancy(h.registers(), h.sharedBytes(), 256))).append(" % |\n");
        }
        Files.writeString(report.resolveSibling("resource-usage.md"), md.toString());
    }

    @Test
    void parsesPtxasOutputAndComputesOccupancy() {
        Map<String, Map<String, Usage>> u = parse(List.of(
                "## gemm.sm_90",
                "ptxas info    : 0 bytes gmem",
                "ptxas info    : Compiling entry function 'gemm_f32' for 'sm_90'",
                "ptxas info    : Function properties for gemm_f32",
                "    8 bytes stack frame, 4 bytes spill stores, 12 bytes spill loads",
                "ptxas info    : Used 70 registers, used 1 barriers, 8320 bytes smem, 400 bytes cmem[0]",
                "## memory.sm_75",
                "ptxas info    : Function properties for fill_f32",
                "    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads",
                "ptxas info    : Used 12 registers, 380 bytes cmem[0]"));
        assertEquals(new Usage(70, 8320, 8, 4, 12), u.get("gemm/gemm_f32").get("sm_90"));
        assertEquals(new Usage(12, 0, 0, 0, 0), u.get("memory/fill_f32").get("sm_75"));
        // 70 registers -> 2304 per warp -> 28 warps -> 3 blocks of 8 warps = 24 / 64 (the gemm's launch bound)
        assertEquals(24 / 64.0, h100Occupancy(70, 8320, 256));
        assertEquals(1.0, h100Occupancy(32, 0, 256));
        assertEquals(4 * 8 / 64.0, h100Occupancy(32, 50 * 1024, 256));
    }
}
