package carnot.examples.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.science.plot.LinePlot;
import carnot.kernels.RefBackend;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The framework: files written, verdict lines and JSON, bands, overrides. */
class ExperimentRunTest {

    record Cfg(double value, int n) implements Experiment.Config {
        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("value", value);
            m.put("n", n);
            return m;
        }
    }

    static final class Fake implements Experiment<Cfg> {
        @Override
        public String name() {
            return "fake";
        }

        @Override
        public String tests() {
            return "value lies in [0, 1]";
        }

        @Override
        public Cfg preset(Preset preset) {
            return preset == Preset.SMOKE ? new Cfg(0.5, 2) : new Cfg(2, 3);
        }

        @Override
        public Cfg override(Cfg base, Overrides o) {
            return new Cfg(o.getDouble("value", base.value()), o.getInt("n", base.n()));
        }

        @Override
        public List<Verdict> run(Cfg c, ExperimentRun run) {
            for (int i = 0; i < c.n(); i++) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("step", i);
                r.put(i == 0 ? "a" : "b", "x,y");
                run.record(r);
            }
            if (c.value() < 0) {
                throw new IllegalStateException("stopped after the records");
            }
            run.plot("p.png", LinePlot.titled("t").series("m", new double[] {0, 1}, new double[] {1, 2}));
            return List.of(Verdict.of("in-unit", "value", c.value(), 0.5, 0, 1), Verdict.holds("always", "true", true));
        }
    }

    @Test
    void writesEveryFileAndJudgesTheBand(@TempDir Path tmp) throws Exception {
        StringWriter log = new StringWriter();
        Fake f = new Fake();
        try (RefBackend be = new RefBackend()) {
            ExperimentRun.Outcome ok = ExperimentRun.execute(f, f.preset(Preset.SMOKE), Preset.SMOKE, tmp.resolve("a"),
                    be, new PrintWriter(log));
            assertTrue(ok.pass());
            for (String file : List.of("config.json", "metrics.jsonl", "metrics.csv", "p.png", "verdict.json")) {
                assertTrue(Files.exists(tmp.resolve("a").resolve(file)), file);
            }
            assertEquals("step,a,b\n0,\"x,y\",\n1,,\"x,y\"\n", Files.readString(tmp.resolve("a/metrics.csv")));
            assertFalse(Files.exists(tmp.resolve("a").resolve(ExperimentRun.PARTIAL)), "the partial records are removed at the end");
            String v = Files.readString(tmp.resolve("a/verdict.json"));
            assertTrue(v.contains("\"name\": \"fake/in-unit\"") && v.contains("\"band\": [") && v.contains("\"preset\": \"smoke\""), v);
            assertTrue(log.toString().contains("PASS fake/in-unit: value = 0.5 (predicted 0.5, band [0, 1])"), log.toString());

            ExperimentRun.Outcome bad = ExperimentRun.execute(f, f.preset(Preset.PAPER), Preset.PAPER, tmp.resolve("b"),
                    be, new PrintWriter(log));
            assertFalse(bad.pass());
            assertTrue(log.toString().contains("FAIL fake/in-unit: value = 2"), log.toString());
        }
    }

    @Test
    void aStoppedRunKeepsWhatItRecorded(@TempDir Path tmp) throws Exception {
        Fake f = new Fake();
        try (RefBackend be = new RefBackend()) {
            assertThrows(IllegalStateException.class, () -> ExperimentRun.execute(f, new Cfg(-1, 3), Preset.SMOKE, tmp,
                    be, new PrintWriter(new StringWriter())));
        }
        assertEquals("{\"step\":0,\"a\":\"x,y\"}\n{\"step\":1,\"b\":\"x,y\"}\n{\"step\":2,\"b\":\"x,y\"}\n",
                Files.readString(tmp.resolve(ExperimentRun.PARTIAL)));
        assertFalse(Files.exists(tmp.resolve("metrics.jsonl")));
    }

    @Test
    void nanNeverPassesAndBandsMustBeOrdered() {
        assertFalse(Verdict.of("x", "s", Double.NaN, 0, -1, 1).pass());
        assertTrue(Verdict.of("x", "s", 1, 0, -1, 1).pass());
        assertFalse(Verdict.of("x", "s", 1.0000001, 0, -1, 1).pass());
        assertThrows(IllegalArgumentException.class, () -> Verdict.of("x", "s", 0, 0, 1, -1));
    }

    @Test
    void overridesAreTypedAndUnknownKeysRefused() {
        Fake f = new Fake();
        Overrides o = Overrides.parse(List.of("value=0.25", "n=4"));
        Cfg c = f.override(f.preset(Preset.SMOKE), o);
        o.checkAllUsed("fake");
        assertEquals(new Cfg(0.25, 4), c);
        Overrides bad = Overrides.parse(List.of("n=four"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.override(f.preset(Preset.SMOKE), bad));
        assertTrue(e.getMessage().contains("--set n must be an integer; given 'four'"), e.getMessage());
        Overrides unknown = Overrides.parse(List.of("zzz=1"));
        f.override(f.preset(Preset.SMOKE), unknown);
        e = assertThrows(IllegalArgumentException.class, () -> unknown.checkAllUsed("fake"));
        assertTrue(e.getMessage().contains("has no key [zzz]; its keys are [value, n]"), e.getMessage());
    }
}
