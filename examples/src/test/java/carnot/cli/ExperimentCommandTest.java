package carnot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code carnot experiment}: the saddles experiment prints its stage times and writes a plot; unknown names fail. */
class ExperimentCommandTest {

    @Test
    void saddlesRunsAndUnknownFails(@TempDir Path tmp) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(0, Main.run(o, e, "experiment", "saddles", "--steps", "600", "--out", tmp.toString()),
                err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("reaches half its target"), out.toString(StandardCharsets.UTF_8));
        assertTrue(Files.exists(tmp.resolve("saddles.png")));
        assertEquals(1, Main.run(o, e, "experiment", "nope", "--out", tmp.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown experiment 'nope'"));
    }
}
