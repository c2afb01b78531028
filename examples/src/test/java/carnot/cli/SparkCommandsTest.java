package carnot.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.io.NdArray;
import carnot.engine.io.Npz;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --spark local[2]} on grad, hvp, spectrum and train gives bitwise the single-process results when the single
 * process chunks at the shard boundaries ({@code --chunk} = rows per shard, 64 of 128 samples here).
 */
class SparkCommandsTest {
    private static final List<String> PROBLEM = List.of("--dataset", "teacher", "--widths", "6,12,1", "--samples", "128",
            "--chunk", "64");

    private static String[] run(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args.toArray(new String[0]));
        return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    private static String[] both(String command, List<String> extra, boolean spark) {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(PROBLEM);
        a.addAll(extra);
        if (spark) {
            a.addAll(List.of("--spark", "local[2]"));
        }
        String[] r = run(a);
        assertEquals("0", r[0], String.join(" ", a) + ": " + r[2]);
        return r;
    }

    private static String field(String json, String key) {
        int at = json.indexOf("\"" + key + "\":");
        assertTrue(at >= 0, key + " in " + json);
        int end = json.indexOf(']', at);
        return json.substring(at, end + 1);
    }

    private static Map<String, NdArray> read(Path f) {
        return Npz.read(f);
    }

    @Test
    void spectrumGradHvpAndTrainEqualTheSingleProcess(@TempDir Path dir) throws Exception {
        String local = both("spectrum", List.of("--top", "2", "--json"), false)[1];
        String dist = both("spectrum", List.of("--top", "2", "--json"), true)[1];
        assertEquals(field(local, "eigenvalues"), field(dist, "eigenvalues"));
        assertTrue(dist.contains("\"spark\":\"local[2]\"") && dist.contains("\"shards\":2")
                && dist.contains("\"rows_per_shard\":64") && dist.contains("\"linearized\":true"), dist);

        Path g1 = dir.resolve("g1.npz");
        Path g2 = dir.resolve("g2.npz");
        String a = both("grad", List.of("--out", g1.toString()), false)[1];
        String b = both("grad", List.of("--out", g2.toString()), true)[1];
        assertEquals(a.lines().findFirst().orElseThrow(), b.lines().findFirst().orElseThrow());
        for (var e : read(g1).entrySet()) {
            assertArrayEquals((double[]) e.getValue().data(), (double[]) read(g2).get(e.getKey()).data(), 0.0, e.getKey());
        }

        Path h1 = dir.resolve("h1.npz");
        Path h2 = dir.resolve("h2.npz");
        both("hvp", List.of("--vector", g1.toString(), "--out", h1.toString()), false);
        both("hvp", List.of("--vector", g1.toString(), "--out", h2.toString()), true);
        for (var e : read(h1).entrySet()) {
            assertArrayEquals((double[]) e.getValue().data(), (double[]) read(h2).get(e.getKey()).data(), 0.0, e.getKey());
        }

        List<String> train = List.of("--lr", "0.1", "--steps", "4", "--observe", "sharpness:2");
        both("train", concat(train, "--out", dir.resolve("r1").toString()), false);
        String[] t = both("train", concat(train, "--out", dir.resolve("r2").toString()), true);
        assertEquals(Files.readString(dir.resolve("r1/metrics.csv")), Files.readString(dir.resolve("r2/metrics.csv")));
        assertTrue(Files.readString(dir.resolve("r2/metrics.csv")).lines().count() == 6, t[1]);
    }

    private static List<String> concat(List<String> a, String... more) {
        List<String> l = new ArrayList<>(a);
        l.addAll(List.of(more));
        return l;
    }

    @Test
    void sparkFlagsNeedSpark() {
        List<String> a = new ArrayList<>(List.of("grad"));
        a.addAll(PROBLEM);
        a.addAll(List.of("--out", "unused.npz", "--spark-shards", "3"));
        String[] r = run(a);
        assertEquals("2", r[0], r[2]);
        assertTrue(r[2].contains("--spark-shards, --spark-dir, --spark-threads and --spark-conf need --spark MASTER"), r[2]);
    }
}
