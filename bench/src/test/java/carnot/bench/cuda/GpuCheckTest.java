package carnot.bench.cuda;

import carnot.kernels.cuda.EmulatedLauncher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The gpu-check driver in its quick mode on the CUDA emulation: the table files exist and cover every family. */
class GpuCheckTest {
    @Test
    void quickEmulatedRunWritesTheTableForEveryKernelFamily(@TempDir Path dir) throws Exception {
        assumeTrue(EmulatedLauncher.unavailableReason() == null, EmulatedLauncher::unavailableReason);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        GpuCheck.Report r;
        try (PrintStream log = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            r = GpuCheck.run(new GpuCheck.Options(dir, true, true, 1, false, "passed (test)"), log);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(r.failures().isEmpty(), () -> r.failures() + "\n" + out);
        String md = Files.readString(dir.resolve("gpu-check.md"));
        String json = Files.readString(dir.resolve("gpu-check.json"));
        assertTrue(md.contains("EMULATED"), md);
        assertTrue(json.contains("\"emulated\": true"), json);
        for (String family : CudaKernelCheck.FAMILIES) {
            assertTrue(md.contains("| " + family + " |"), () -> "no " + family + " row in\n" + md);
            assertTrue(json.contains("\"family\": \"" + family + "\""), () -> "no " + family + " row in\n" + json);
        }
        assertTrue(md.contains("MLP") && md.contains("transformer"), md);
        // the emulation reports compute capability 9.0: the tensor-core modes run the sm_90a wgmma kernels
        assertTrue(md.contains("| gemm TF32 (wgmma) NN") && md.contains("| gemm BF16 (wgmma) TN"),
                () -> "no tensor-core GEMM rows naming the wgmma kernels\n" + md);
        assertTrue(md.contains("(emulated)"), md);
        long kernels = r.rows().stream().filter(x -> x.section().equals("kernel")).count();
        assertEquals(4, r.rows().stream().filter(x -> x.section().equals("model")).count(), md);
        assertTrue(kernels >= 30, () -> kernels + " kernel rows\n" + md);
    }
}
