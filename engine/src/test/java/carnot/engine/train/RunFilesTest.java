package carnot.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON writing, metrics files (incl. truncation on resume) and the checkpoint round trip. */
class RunFilesTest {

    @Test
    void jsonWritesOrderedMapsListsAndNonFiniteAsNull() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", 3);
        m.put("loss", 0.125);
        m.put("bad", Double.NaN);
        m.put("name", "a\"b\n");
        m.put("v", new double[] {1, 2.5});
        m.put("l", List.of(true, "x"));
        assertEquals("{\"step\":3,\"loss\":0.125,\"bad\":null,\"name\":\"a\\\"b\\n\",\"v\":[1,2.5],\"l\":[true,\"x\"]}", Json.write(m));
        assertEquals("{\n  \"a\": [\n    1\n  ]\n}\n", Json.pretty(Map.of("a", List.of(1))));
    }

    /** Reopening for resume at step 2 keeps records up to step 2 and appends; fresh open replaces the files. */
    @Test
    void metricsResumeTruncatesLaterRecords(@TempDir Path dir) throws Exception {
        List<String> cols = List.of("step", "loss", "sharpness");
        try (MetricsWriter w = MetricsWriter.open(dir, cols, -1)) {
            for (int s = 0; s < 5; s++) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("step", s);
                r.put("loss", 1.0 / (s + 1));
                if (s % 2 == 0) {
                    r.put("sharpness", 10.0 + s);
                }
                w.write(r);
            }
        }
        List<String> full = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals("step,loss,sharpness", full.get(0));
        assertEquals("1,0.5,", full.get(2));
        assertEquals("2,0.3333333333333333,12", full.get(3));
        try (MetricsWriter w = MetricsWriter.open(dir, cols, 2)) {
            assertEquals(3, Files.readAllLines(dir.resolve("metrics.jsonl")).size());
            w.write(Map.of("step", 3L));
        }
        assertEquals(List.of("step,loss,sharpness", "0,1,10", "1,0.5,", "2,0.3333333333333333,12", "3,,"),
                Files.readAllLines(dir.resolve("metrics.csv")));
        assertThrows(IllegalArgumentException.class, () -> MetricsWriter.open(dir, List.of("step", "other"), 1));
    }

    @Test
    void checkpointRoundTripAndShapeCheck(@TempDir Path dir) {
        Map<String, double[]> opt = new LinkedHashMap<>();
        opt.put("step", new double[] {7});
        opt.put("velocity", new double[] {0.1, 0.2, 0.3, 0.4, 0.5});
        Checkpoint c = new Checkpoint(7, List.of("w", "b"), List.of(new int[] {2, 2}, new int[] {1}),
                new double[] {1, 2, 3, Math.PI, -0.0}, opt, Map.of("lanczos", new double[] {Math.E}));
        Path f = dir.resolve("ck.npz");
        c.save(f);
        Checkpoint r = Checkpoint.load(f, List.of("w", "b"), List.of(new int[] {2, 2}, new int[] {1}));
        assertEquals(7, r.step());
        assertArrayEquals(c.weights(), r.weights(), 0);
        assertArrayEquals(opt.get("velocity"), r.optimizer().get("velocity"), 0);
        assertArrayEquals(new double[] {Math.E}, r.extra().get("lanczos"), 0);
        assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.load(f, List.of("w", "b"), List.of(new int[] {4}, new int[] {1})));
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(f, List.of("w"), List.of(new int[] {2, 2})));
    }
}
