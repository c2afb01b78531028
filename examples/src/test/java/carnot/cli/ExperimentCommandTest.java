package carnot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.examples.experiments.Experiments;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code carnot experiment}: --list names every experiment; unknown names, bad presets and bad --set keys fail. */
class ExperimentCommandTest {

    private static String[] run(int expected, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        String o = out.toString(StandardCharsets.UTF_8);
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(expected, code, o + e);
        return new String[] {o, e};
    }

    @Test
    void listNamesEveryExperiment() {
        String o = run(0, "experiment", "--list")[0];
        for (var e : Experiments.ALL) {
            assertTrue(o.contains(e.name() + " "), o);
        }
        assertEquals(Experiments.ALL.size(), o.lines().count(), o);
    }

    @Test
    void unknownNameBadPresetAndBadSetAreRefusedWithoutWriting(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("x");
        assertTrue(run(1, "experiment", "nope", "--out", out.toString())[1].contains("unknown experiment 'nope'"));
        assertTrue(run(2, "experiment")[1].contains("missing experiment NAME"));
        if (!Experiments.ALL.isEmpty()) {
            String n = Experiments.ALL.getFirst().name();
            assertTrue(run(2, "experiment", n, "--preset", "huge", "--out", out.toString())[1]
                    .contains("--preset must be smoke or paper; given 'huge'"));
            assertTrue(run(2, "experiment", n, "--set", "no-such-key=1", "--out", out.toString())[1]
                    .contains("has no key [no-such-key]"));
            assertTrue(run(2, "experiment", n, "--set", "novalue", "--out", out.toString())[1]
                    .contains("--set expects key=value"));
        }
        assertTrue(!Files.exists(out), "nothing written");
    }

    @Test
    void nonEmptyOutIsRefusedAndUntouched(@TempDir Path tmp) throws Exception {
        if (Experiments.ALL.isEmpty()) {
            return;
        }
        Path f = tmp.resolve("keep.txt");
        Files.writeString(f, "mine");
        String e = run(1, "experiment", Experiments.ALL.getFirst().name(), "--out", tmp.toString())[1];
        assertTrue(e.contains("is not empty (holds keep.txt)"), e);
        assertEquals("mine", Files.readString(f));
    }
}
