package carnot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import carnot.cli.CliTest.Result;
import carnot.examples.EmbeddingProjectTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README cannot rot: every fenced code block of {@code README.md} is run in document order in a scratch folder.
 *
 * <ul>
 *   <li>{@code ./carnot ARGS} lines run in process ({@link Main#run}) and must exit 0; an argument that is a relative
 *       path (it contains '/' or ends in .npz, .png or .tsv) is resolved in the scratch folder. {@code ./carnot test}
 *       is skipped: it is the suite this test belongs to. Smaller sizes, by one rule: a {@code --steps N} above
 *       {@value #STEPS} runs {@value #STEPS} steps, and {@code demo} (200 steps by default) runs {@value #STEPS} steps
 *       reporting every 10.</li>
 *   <li>{@code # writes: A, B, …} lines name files or folders (relative to the scratch folder) the commands before
 *       them must have written.</li>
 *   <li>{@code java … CLASS} lines run {@code CLASS.main} in process (the classpath is this test's).</li>
 *   <li>{@code mvn …} lines must be the commands {@link EmbeddingProjectTest} runs (installing the modules, then
 *       building and running examples/embedding); that test runs them.</li>
 *   <li>{@code python} blocks run with {@code /usr/bin/python3} in the scratch folder. Without PyTorch they run
 *       against a NumPy stand-in for the few {@code torch} calls a block uses (Sequential, Linear, Tanh, randn,
 *       manual_seed, detach/double/numpy), so the names and shapes a block writes are still checked by the commands
 *       that read them; without Python or NumPy the test is skipped.</li>
 * </ul>
 * Any other line in a shell block fails the test: the README shows only what this test or EmbeddingProjectTest runs.
 */
class ReadmeTest {
    /** The most steps a README command runs here. */
    static final int STEPS = 20;

    @TempDir
    Path dir;

    @Test
    void everyReadmeCommandRuns() throws Exception {
        List<String> lines = Files.readAllLines(readme(), StandardCharsets.UTF_8);
        int commands = 0;
        int python = 0;
        boolean in = false;
        String lang = "";
        List<String> block = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("```")) {
                if (!in) {
                    in = true;
                    lang = line.substring(3).strip();
                    block.clear();
                } else {
                    in = false;
                    if (lang.equals("bash")) {
                        commands += shell(block);
                    } else if (lang.equals("python")) {
                        python(String.join("\n", block) + "\n");
                        python++;
                    }
                }
                continue;
            }
            if (in) {
                block.add(line);
            }
        }
        assertTrue(commands >= 7 && python >= 1, "README shows " + commands + " commands and " + python
                + " python blocks; expected the tour's");
    }

    private int shell(List<String> block) throws Exception {
        int n = 0;
        for (String raw : joinContinuations(block)) {
            String line = raw.strip();
            if (line.startsWith("# writes:")) {
                for (String f : line.substring("# writes:".length()).split(",")) {
                    Path p = dir.resolve(f.strip());
                    assertTrue(Files.exists(p), "README says " + f.strip() + " is written; it is not");
                }
                continue;
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int hash = line.indexOf(" #");
            String cmd = hash >= 0 ? line.substring(0, hash).strip() : line;
            if (cmd.startsWith("./carnot ")) {
                List<String> args = new ArrayList<>(List.of(cmd.substring("./carnot ".length()).strip().split("\\s+")));
                if (args.equals(List.of("test"))) {
                    continue;
                }
                int steps = args.indexOf("--steps");
                if (steps >= 0 && Long.parseLong(args.get(steps + 1)) > STEPS) {
                    args.set(steps + 1, Integer.toString(STEPS));
                }
                if (args.getFirst().equals("demo") && steps < 0) {
                    args.addAll(List.of("--steps", Integer.toString(STEPS), "--every", "10"));
                }
                for (int i = 0; i < args.size(); i++) {
                    String a = args.get(i);
                    if (!a.startsWith("-") && (a.contains("/") || a.matches(".*\\.(npz|png|tsv)"))) {
                        args.set(i, dir.resolve(a).toString());
                    }
                }
                long t0 = System.nanoTime();
                Result r = CliTest.run(args.toArray(String[]::new));
                assertEquals(0, r.code(), "README command failed: " + cmd + "\n" + r.err());
                System.out.printf("ReadmeTest: %.1f s  %s%n", (System.nanoTime() - t0) * 1e-9, cmd);
                n++;
            } else if (cmd.startsWith("mvn ")) {
                assertTrue(EmbeddingProjectTest.README_COMMANDS.contains(cmd), "README shows a Maven command that "
                        + "EmbeddingProjectTest does not run: " + cmd + "; it runs " + EmbeddingProjectTest.README_COMMANDS);
            } else if (cmd.startsWith("java ")) {
                String cls = cmd.substring(cmd.lastIndexOf(' ') + 1);
                Class.forName(cls).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
                n++;
            } else {
                fail("README shows a shell line this test cannot run: " + line);
            }
        }
        return n;
    }

    private static List<String> joinContinuations(List<String> block) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String l : block) {
            if (l.endsWith("\\")) {
                cur.append(l, 0, l.length() - 1).append(' ');
            } else {
                out.add(cur.append(l).toString());
                cur.setLength(0);
            }
        }
        return out;
    }

    private void python(String code) throws Exception {
        Path py = Path.of("/usr/bin/python3");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(py), "no /usr/bin/python3: python block skipped");
        org.junit.jupiter.api.Assumptions.assumeTrue(exec(dir, null, py.toString(), "-c", "import numpy") == 0,
                "no numpy: python block skipped");
        Path script = dir.resolve("readme_block.py");
        Files.writeString(script, code);
        String pythonPath = null;
        if (exec(dir, null, py.toString(), "-c", "import torch") != 0) {
            Path stub = dir.resolve("torch-stand-in");
            Files.createDirectories(stub.resolve("torch"));
            Files.writeString(stub.resolve("torch/__init__.py"), TORCH_INIT);
            Files.writeString(stub.resolve("torch/nn.py"), TORCH_NN);
            pythonPath = stub.toString();
            System.out.println("ReadmeTest: PyTorch is absent; the python block ran against the NumPy stand-in");
        }
        assertEquals(0, exec(dir, pythonPath, py.toString(), script.toString()), "README python block failed");
    }

    private static int exec(Path cwd, String pythonPath, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        if (pythonPath != null) {
            pb.environment().put("PYTHONPATH", pythonPath);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " timed out");
        }
        if (p.exitValue() != 0 && cmd.length == 2) {
            System.out.println(out);
        }
        return p.exitValue();
    }

    private static Path readme() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path r = d.resolve("README.md");
            if (Files.isRegularFile(r) && Files.isDirectory(d.resolve("examples"))) {
                return r;
            }
        }
        throw new IllegalStateException("README.md of the project not found above " + Path.of("").toAbsolutePath());
    }

    private static final String TORCH_INIT = """
            import numpy as _np
            from . import nn

            _rng = [_np.random.default_rng(0)]

            def manual_seed(seed):
                _rng[0] = _np.random.default_rng(seed)

            class Tensor:
                def __init__(self, a, dtype=_np.float32):
                    self._a = _np.asarray(a, dtype=dtype)
                    self.shape = self._a.shape
                def detach(self):
                    return self
                def double(self):
                    return Tensor(self._a, _np.float64)
                def float(self):
                    return Tensor(self._a, _np.float32)
                def numpy(self):
                    return self._a

            def randn(*shape):
                return Tensor(_rng[0].standard_normal(shape))

            def _uniform(bound, shape):
                return Tensor(_rng[0].uniform(-bound, bound, shape))
            """;

    private static final String TORCH_NN = """
            import math

            class Module:
                pass

            class Linear(Module):
                def __init__(self, in_features, out_features, bias=True):
                    import torch
                    k = 1 / math.sqrt(in_features)
                    self.weight = torch._uniform(k, (out_features, in_features))
                    self.bias = torch._uniform(k, (out_features,)) if bias else None

            class Tanh(Module):
                pass

            class ReLU(Module):
                pass

            class Sequential(Module):
                def __init__(self, *modules):
                    self._modules = list(modules)
                def __iter__(self):
                    return iter(self._modules)
            """;
}
