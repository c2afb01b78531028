package carnot.examples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's library example (LibraryExample is the same code) runs and prints its results. */
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
}
