package carnot.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A JVM started without {@code --add-modules jdk.incubator.vector} (an embedding application that forgot the flag)
 * gets an error from {@code new CpuBackend} naming the flag, not a NoClassDefFoundError at the first operation.
 */
class VectorModuleFlagTest {
    /** Run in a JVM without the flag: constructs a CPU backend and prints what it threw. */
    public static final class WithoutFlag {
        private WithoutFlag() {
        }

        public static void main(String[] args) {
            try (Backend be = new CpuBackend(1)) {
                System.out.println("constructed " + be.name());
            } catch (IllegalStateException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }

    @Test
    void cpuBackendNamesTheMissingFlag() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), WithoutFlag.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the JVM without the flag did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("refused: ") && out.contains("--add-modules jdk.incubator.vector"), out);
    }
}
