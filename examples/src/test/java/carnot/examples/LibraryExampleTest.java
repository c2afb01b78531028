package carnot.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's library example: its java block is the source, and the body of main in LibraryExample and in the
 * embedding project's Main (examples/embedding, run by EmbeddingProjectTest) is that block verbatim, indented by
 * eight spaces. LibraryExample runs and prints its results.
 */
class LibraryExampleTest {
    @Test
    void readmeLibraryExampleRuns() {
        PrintStream old = System.out;
        var buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            LibraryExample.main(new String[0]);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("HV [16, "), out);
        assertTrue(out.matches("(?s).*lambda_max \\d+\\.\\d{6}.*"), out);
        assertTrue(out.contains("d/dw sum tanh(w)^2 = ["), out);
    }

    @Test
    void readmeJavaBlockIsTheCodeOfBothMains() throws IOException {
        Path root = root();
        String block = indented(javaBlock(Files.readAllLines(root.resolve("README.md"), StandardCharsets.UTF_8)));
        for (String f : List.of("examples/src/main/java/carnot/examples/LibraryExample.java",
                "examples/embedding/src/main/java/com/example/Main.java")) {
            String code = Files.readString(root.resolve(f), StandardCharsets.UTF_8);
            assertTrue(code.contains("public static void main(String[] args) {\n" + block + "    }\n"), f
                    + ": the body of main must be the README's java block (\"Use as a library\") indented by eight"
                    + " spaces; the README has\n" + block);
        }
    }

    /** The first java block of the README. */
    static List<String> javaBlock(List<String> readme) {
        int start = readme.indexOf("```java");
        if (start < 0) {
            fail("README.md has no java block; the library example was expected");
        }
        int end = start + 1;
        while (end < readme.size() && !readme.get(end).equals("```")) {
            end++;
        }
        return readme.subList(start + 1, end);
    }

    private static String indented(List<String> lines) {
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            b.append(l.isEmpty() ? "" : "        " + l).append('\n');
        }
        return b.toString();
    }

    static Path root() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("README.md")) && Files.isDirectory(d.resolve("examples/embedding"))) {
                return d;
            }
        }
        throw new IllegalStateException("the project root (README.md, examples/embedding) is not above "
                + Path.of("").toAbsolutePath());
    }
}
