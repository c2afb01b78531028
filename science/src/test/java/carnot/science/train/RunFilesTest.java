package carnot.science.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JSON writing, metrics files (truncation, torn lines and missing records on resume), the checkpoint round trip with
 * its fingerprint, the choice of the checkpoint to resume from, and the run folder rules.
 */
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

    /** One flipped bit in a weight makes the checkpoint refuse to load (its npz entry CRC), naming the file. */
    @Test
    void damagedCheckpointIsRefused(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ck.npz");
        new Checkpoint(3, List.of("w"), List.of(new int[] {2}), new double[] {Math.PI, 1}, Map.of(), Map.of()).save(f);
        byte[] b = Files.readAllBytes(f);
        byte[] pi = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putDouble(Math.PI).array();
        int at = -1;
        for (int i = 0; i + 8 <= b.length && at < 0; i++) {
            if (java.util.Arrays.equals(b, i, i + 8, pi, 0, 8)) {
                at = i;
            }
        }
        assertTrue(at >= 0, "the weight is stored uncompressed");
        b[at] ^= 1;
        Files.write(f, b);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.load(f, List.of("w"), List.of(new int[] {2})));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    private static final List<String> NAMES = List.of("w", "b");
    private static final List<int[]> SHAPES = List.of(new int[] {2, 2}, new int[] {1});

    /** Every regular file under dir (relative path to bytes), to show that a refusal changed nothing. */
    static Map<String, byte[]> snapshot(Path dir) throws Exception {
        Map<String, byte[]> m = new java.util.TreeMap<>();
        try (var s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    static void assertSameFiles(Map<String, byte[]> before, Map<String, byte[]> after) {
        assertEquals(before.keySet(), after.keySet(), "files");
        before.forEach((k, v) -> assertArrayEquals(v, after.get(k), k));
    }

    private static void writeRecords(Path dir, int n) {
        try (MetricsWriter w = MetricsWriter.open(dir, List.of("step", "loss"), -1)) {
            for (int s = 0; s < n; s++) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("step", s);
                r.put("loss", 1.0 / (s + 1));
                w.write(r);
            }
        }
    }

    private static Checkpoint checkpoint(long step, String fingerprint) {
        return new Checkpoint(step, NAMES, SHAPES, new double[] {step, 2, 3, 4, 5}, Map.of("m", new double[] {step}),
                Map.of(), fingerprint);
    }

    /** A torn last line (no line feed) is dropped on resume, in both files; the rewrite leaves no temp file. */
    @Test
    void tornLastLineIsDroppedOnResume(@TempDir Path dir) throws Exception {
        writeRecords(dir, 4);
        Files.writeString(dir.resolve("metrics.jsonl"), "{\"step\":4,\"lo", java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(dir.resolve("metrics.csv"), "4,0.2", java.nio.file.StandardOpenOption.APPEND);
        assertEquals(4, MetricsWriter.completeRecords(dir));
        try (MetricsWriter w = MetricsWriter.open(dir, List.of("step", "loss"), 3)) {
            w.write(Map.of("step", 4L, "loss", 0.5));
        }
        assertEquals(List.of("step,loss", "0,1", "1,0.5", "2,0.3333333333333333", "3,0.25", "4,0.5"),
                Files.readAllLines(dir.resolve("metrics.csv")));
        assertEquals(5, Files.readAllLines(dir.resolve("metrics.jsonl")).size());
        assertEquals("{\"step\":4,\"loss\":0.5}", Files.readAllLines(dir.resolve("metrics.jsonl")).getLast());
        assertEquals(List.of(), carnot.engine.io.RunFolder.removeTempFiles(dir));
        // a complete JSONL record whose CSV row is torn: only the records both files hold count
        Files.writeString(dir.resolve("metrics.jsonl"), "{\"step\":5,\"loss\":0.1}\n", java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(dir.resolve("metrics.csv"), "5,0.1", java.nio.file.StandardOpenOption.APPEND);
        assertEquals(5, MetricsWriter.completeRecords(dir));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MetricsWriter.open(dir, List.of("step", "loss"), 5));
        assertTrue(e.getMessage().contains("metrics.csv holds the records of steps 0..4 only"), e.getMessage());
    }

    /** JSONL ahead of CSV (killed between the two writes) counts the records both hold; missing records refuse. */
    @Test
    void resumeNeedsEveryEarlierRecord(@TempDir Path dir) throws Exception {
        writeRecords(dir, 5);
        List<String> csv = Files.readAllLines(dir.resolve("metrics.csv"));
        Files.write(dir.resolve("metrics.csv"), csv.subList(0, 4));
        assertEquals(3, MetricsWriter.completeRecords(dir));
        Map<String, byte[]> before = snapshot(dir);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MetricsWriter.open(dir, List.of("step", "loss"), 3));
        assertTrue(e.getMessage().contains("metrics.csv holds the records of steps 0..2 only; steps 0..3 are needed"),
                e.getMessage());
        assertSameFiles(before, snapshot(dir));
        Files.writeString(dir.resolve("metrics.jsonl"), "garbage\n");
        assertEquals(0, MetricsWriter.completeRecords(dir));
    }

    /** The fingerprint is stored in the checkpoint, and meta.step must be one i64. */
    @Test
    void checkpointCarriesFingerprint(@TempDir Path dir) {
        Fingerprint fp = Fingerprint.of(Map.of("--lr", "0.1", "--seed", "3"));
        checkpoint(2, fp.text()).save(dir.resolve("c.npz"));
        Checkpoint r = Checkpoint.load(dir.resolve("c.npz"), NAMES, SHAPES);
        assertEquals(fp.text(), r.fingerprint());
        assertEquals(fp, Fingerprint.parse(r.fingerprint()));
        assertEquals("--lr=0.1\n--seed=3\n", fp.text());
        assertEquals(64, fp.sha256().length());
        assertEquals(List.of("--lr: 0.1 here, 0.2 there", "--seed: 3 here, (absent) there"),
                fp.differences(Fingerprint.of(Map.of("--lr", "0.2")), "here", "there"));
        assertEquals(List.of(), fp.differences(Fingerprint.parse(fp.text()), "a", "b"));
    }

    /**
     * Resume picks the latest checkpoint that is a state of this run: a torn file, a renamed file (meta.step not
     * its name) and one ahead of the metrics are skipped, with a warning naming each; the previous one is used.
     */
    @Test
    void resumableSkipsTornRenamedAndAheadCheckpoints(@TempDir Path dir) throws Exception {
        Fingerprint fp = Fingerprint.of(Map.of("--lr", "0.1"));
        writeRecords(dir, 5);
        for (int s = 1; s <= 3; s++) {
            checkpoint(s, fp.text()).save(Checkpoint.file(dir, s));
        }
        byte[] three = Files.readAllBytes(Checkpoint.file(dir, 3));
        Files.write(Checkpoint.file(dir, 3), java.util.Arrays.copyOf(three, three.length / 2));
        Files.copy(Checkpoint.file(dir, 1), Checkpoint.file(dir, 4));
        checkpoint(7, fp.text()).save(Checkpoint.file(dir, 7));
        List<String> warned = new java.util.ArrayList<>();
        Checkpoint c = Checkpoint.resumable(dir, NAMES, SHAPES, fp, 100, warned::add);
        assertEquals(2, c.step());
        assertEquals(1, warned.size());
        String w = warned.getFirst();
        assertTrue(w.contains("step-00000007.npz (the metrics files hold the records of steps 0..4 only)"), w);
        assertTrue(w.contains("step-00000004.npz (its meta.step is 1, not the step 4 of its name)"), w);
        assertTrue(w.contains("step-00000003.npz (unreadable: "), w);
        assertEquals(1, Checkpoint.resumable(dir, NAMES, SHAPES, fp, 1, warned::add).step(), "--steps bounds the step");
        Files.delete(Checkpoint.file(dir, 1));
        Files.delete(Checkpoint.file(dir, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.resumable(dir, NAMES, SHAPES, fp, 100, warned::add));
        assertTrue(e.getMessage().contains("no usable checkpoint") && e.getMessage().contains("step-00000003.npz"),
                e.getMessage());
    }

    /** A checkpoint of another configuration is refused, naming each differing flag with both values. */
    @Test
    void resumableRefusesAnotherConfiguration(@TempDir Path dir) throws Exception {
        writeRecords(dir, 5);
        checkpoint(2, Fingerprint.of(Map.of("--lr", "0.1", "--opt", "gd")).text()).save(Checkpoint.file(dir, 2));
        checkpoint(1, Fingerprint.of(Map.of("--lr", "0.2", "--opt", "gd")).text()).save(Checkpoint.file(dir, 1));
        Fingerprint mine = Fingerprint.of(Map.of("--lr", "0.2", "--opt", "gd"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.resumable(dir, NAMES, SHAPES, mine, 100, m -> { }));
        assertTrue(e.getMessage().contains("step-00000002.npz was made by another configuration; flags that differ: "
                + "--lr: 0.2 in this command, 0.1 in the checkpoint ("), e.getMessage());
        assertFalse(e.getMessage().contains("--opt"), e.getMessage());
        checkpoint(3, "").save(Checkpoint.file(dir, 3));
        e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.resumable(dir, NAMES, SHAPES, mine, 100, m -> { }));
        assertTrue(e.getMessage().contains("step-00000003.npz carries no configuration fingerprint"), e.getMessage());
        Path empty = dir.resolve("empty");
        Files.createDirectories(empty);
        e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.resumable(empty, NAMES, SHAPES, mine, 9, m -> { }));
        assertTrue(e.getMessage().contains("has no checkpoint (checkpoints/step-N.npz)"), e.getMessage());
    }

    /** A used folder is refused naming its entries and left as it was; --overwrite clears it; temp files go. */
    @Test
    void runFolderRefusesClearsAndRemovesTempFiles(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        Files.createDirectories(run.resolve("checkpoints"));
        Files.writeString(run.resolve("notes.txt"), "mine");
        Map<String, byte[]> before = snapshot(run);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> carnot.engine.io.RunFolder.claim(run, false, "--out", "or --resume"));
        assertEquals("--out " + run + " is not empty (holds checkpoints, notes.txt); pass --overwrite to clear it, or "
                + "--resume", e.getMessage());
        assertSameFiles(before, snapshot(run));
        carnot.engine.io.AtomicFiles.write(run.resolve("checkpoints/a.npz"), new byte[] {1});
        Files.write(run.resolve("checkpoints/.a.npz123.tmp"), new byte[] {2});
        Files.write(run.resolve(".metrics.csv9.tmp"), new byte[] {3});
        assertTrue(carnot.engine.io.AtomicFiles.isTemp(run.resolve(".metrics.csv9.tmp")));
        assertFalse(carnot.engine.io.AtomicFiles.isTemp(run.resolve("metrics.csv")));
        assertEquals(List.of(".metrics.csv9.tmp", "checkpoints/.a.npz123.tmp"),
                carnot.engine.io.RunFolder.removeTempFiles(run));
        assertEquals(java.util.Set.of("notes.txt", "checkpoints/a.npz"), snapshot(run).keySet());
        carnot.engine.io.RunFolder.claim(run, true, "--out");
        assertEquals(List.of(), carnot.engine.io.RunFolder.contents(run));
    }
}
