package carnot.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import carnot.engine.Model;
import carnot.kernels.Backend;
import carnot.models.Mlp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Carnot embedded as users do it: {@code examples/embedding/} is a Maven project of its own that depends on the
 * installed {@code carnot-engine}, {@code carnot-science} and {@code carnot-models}; its Main is the README's library example. The README's
 * two commands ({@link #README_COMMANDS}) are run as follows.
 *
 * <ol>
 *   <li>{@code mvn -q install -DskipTests -pl models -am}: this test runs inside the build (./carnot test), after
 *       the modules were packaged, so rebuilding them would rewrite jars the running build has open. It installs the
 *       jars this build made instead (the parent POM, kernels, engine, science, models, each with its own pom.xml; a module
 *       seen as a classes folder, as under {@code mvn test}, is jarred first) with {@code install:install-file}, the
 *       same files {@code mvn install} puts there. The local repository is a private one whose other entries link
 *       into the user's ({@code carnot.m2}, else ~/.m2/repository): ~/.m2 gets no Carnot artifacts.</li>
 *   <li>{@code mvn -q -f examples/embedding/pom.xml compile exec:exec}, as written, on a copy of the project (its
 *       target folder stays out of the source tree), with that private repository. Its output must equal what
 *       {@link LibraryExample} prints in this JVM (the same code, LibraryExampleTest): same numbers, bitwise.</li>
 * </ol>
 * Maven is the one running this build ({@code maven.home}, passed by the pom), else {@code mvn} on the PATH; its
 * JVM and the application's are this test's JDK.
 */
public class EmbeddingProjectTest {
    /** The README's commands that build and run the embedding project, in order. */
    public static final List<String> README_COMMANDS = List.of(
            "mvn -q install -DskipTests -pl models -am",
            "mvn -q -f examples/embedding/pom.xml compile exec:exec");

    private static final String GROUP_PATH = "dev/carnot";
    private static final long TIMEOUT_S = 300;

    @TempDir
    Path tmp;

    /** The private repository's links into the user's, removed after the test (they are not ours to delete). */
    private final List<Path> links = new ArrayList<>();

    @AfterEach
    void unlink() throws IOException {
        for (Path l : links) {
            Files.deleteIfExists(l);
        }
    }

    @Test
    void embeddingProjectBuildsAndPrintsWhatTheExamplePrints() throws Exception {
        long t0 = System.nanoTime();
        Path repo = privateRepository(tmp.resolve("repo"));
        Path kernels = module(Backend.class);
        Path engine = module(Model.class);
        Path science = module(carnot.science.spectral.Lanczos.class);
        Path models = module(Mlp.class);
        Path root = models.getParent();
        Path installer = tmp.resolve("install");
        Files.createDirectories(installer);
        Files.writeString(installer.resolve("pom.xml"), installerPom(List.of(
                new Install(root.resolve("pom.xml"), root.resolve("pom.xml")),
                new Install(jar(kernels, Backend.class), kernels.resolve("pom.xml")),
                new Install(jar(engine, Model.class), engine.resolve("pom.xml")),
                new Install(jar(science, carnot.science.spectral.Lanczos.class), science.resolve("pom.xml")),
                new Install(jar(models, Mlp.class), models.resolve("pom.xml")))));
        Run install = mvn(installer, List.of("-q", "validate"), repo);
        assertEquals(0, install.code(), "installing the engine and models into " + repo + " failed:\n" + install.all());
        for (String a : List.of("carnot-parent", "carnot-kernels", "carnot-engine", "carnot-science", "carnot-models")) {
            assertTrue(Files.isDirectory(repo.resolve(GROUP_PATH).resolve(a)), a + " is not in " + repo);
        }
        long t1 = System.nanoTime();

        Path app = tmp.resolve("embedding");
        copyTree(root.resolve("examples/embedding"), app);
        List<String> args = new ArrayList<>(List.of(README_COMMANDS.get(1).substring("mvn ".length()).split(" ")));
        args.set(args.indexOf("examples/embedding/pom.xml"), app.resolve("pom.xml").toString());
        Run run = mvn(tmp, args, repo);
        assertEquals(0, run.code(), "the embedding project failed to build or run:\n" + run.all());
        long t2 = System.nanoTime();

        String expected = inProcess();
        assertTrue(expected.contains("lambda_max"), expected);
        assertTrue(run.out().contains(expected), "the embedding project printed\n" + run.out()
                + "\nwhile LibraryExample prints in process\n" + expected + "\nstderr:\n" + run.err());
        System.out.printf("EmbeddingProjectTest: install %.1f s, compile and run %.1f s, in process %.1f s%n",
                (t1 - t0) * 1e-9, (t2 - t1) * 1e-9, (System.nanoTime() - t2) * 1e-9);
    }

    /** What LibraryExample prints here. */
    private static String inProcess() {
        PrintStream old = System.out;
        var buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            LibraryExample.main(new String[0]);
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /** The module folder a class was loaded from: MODULE/BUILD_DIR/classes or MODULE/BUILD_DIR/ARTIFACT.jar. */
    private static Path module(Class<?> c) throws URISyntaxException {
        Path loc = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path module = loc.getParent().getParent();
        if (!Files.isRegularFile(module.resolve("pom.xml"))) {
            fail("this test installs the modules of this build; " + c.getName() + " was loaded from " + loc
                    + ", which is not a module's build folder (a jar from a local repository?)");
        }
        return module;
    }

    /** The module's jar as built, or, when it was loaded from its classes folder, a jar made from that folder. */
    private Path jar(Path module, Class<?> c) throws Exception {
        Path loc = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isRegularFile(loc)) {
            return loc;
        }
        Path jar = tmp.resolve(module.getFileName() + ".jar");
        ToolProvider tool = ToolProvider.findFirst("jar").orElseThrow(() ->
                new IllegalStateException("the jar tool is missing from " + System.getProperty("java.home")));
        int code = tool.run(System.out, System.err, "--create", "--file", jar.toString(), "-C", loc.toString(), ".");
        assertEquals(0, code, "jar of " + loc + " failed");
        return jar;
    }

    /**
     * A local repository at {@code dir} that sees every artifact of the user's through symbolic links, except
     * {@value #GROUP_PATH}, a real folder: installs go there, never into the user's repository.
     */
    private Path privateRepository(Path dir) throws IOException {
        Path user = Path.of(System.getProperty("carnot.m2", System.getProperty("user.home") + "/.m2/repository"));
        Path from = user;
        Path to = dir;
        for (String part : GROUP_PATH.split("/")) {
            Files.createDirectories(to);
            if (Files.isDirectory(from)) {
                try (Stream<Path> s = Files.list(from)) {
                    for (Path p : s.toList()) {
                        if (!p.getFileName().toString().equals(part)) {
                            links.add(Files.createSymbolicLink(to.resolve(p.getFileName().toString()), p));
                        }
                    }
                }
            }
            from = from.resolve(part);
            to = to.resolve(part);
        }
        Files.createDirectories(to);
        return dir;
    }

    private record Install(Path file, Path pom) {
    }

    /** A pom whose validate phase installs each file with its pom (install:install-file), in the given order. */
    private static String installerPom(List<Install> files) {
        StringBuilder ex = new StringBuilder();
        for (int i = 0; i < files.size(); i++) {
            ex.append("""
                          <execution><id>f%d</id><phase>validate</phase><goals><goal>install-file</goal></goals>
                            <configuration><file>%s</file><pomFile>%s</pomFile></configuration></execution>
                    """.formatted(i, files.get(i).file(), files.get(i).pom()));
        }
        return """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>local</groupId><artifactId>install-carnot</artifactId><version>1</version>
                  <packaging>pom</packaging>
                  <build><plugins><plugin>
                    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-install-plugin</artifactId>
                    <version>3.1.4</version>
                    <executions>
                %s    </executions>
                  </plugin></plugins></build>
                </project>
                """.formatted(ex);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path rel = from.relativize(p);
                if (rel.startsWith("target")) {
                    continue;
                }
                Path q = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        }
    }

    private record Run(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    /** Maven with {@code args} in {@code dir}, batch mode, the given local repository, this JVM's JDK. */
    private static Run mvn(Path dir, List<String> args, Path repo) throws IOException, InterruptedException {
        String home = System.getProperty("maven.home");
        String mvn = home != null && Files.isExecutable(Path.of(home, "bin", "mvn")) ? home + "/bin/mvn" : "mvn";
        List<String> cmd = new ArrayList<>(List.of(mvn, "-B"));
        cmd.addAll(args);
        cmd.add("-Dmaven.repo.local=" + repo);
        String javaHome = System.getProperty("java.home");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", javaHome);
        env.put("PATH", javaHome + "/bin:" + env.getOrDefault("PATH", ""));
        Path out = Files.createTempFile(dir, "mvn", ".out");
        Path err = Files.createTempFile(dir, "mvn", ".err");
        Process p;
        try {
            p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("this test runs Maven (" + mvn + "; maven.home " + home + "): " + e.getMessage(), e);
        }
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " took more than " + TIMEOUT_S + " s");
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
