package carnot.examples.experiments;

import carnot.engine.io.AtomicFiles;
import carnot.science.plot.LinePlot;
import carnot.science.train.Json;
import carnot.kernels.Backend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * What an experiment writes to and computes on: the backend, a log, the output folder, the metric records and the
 * plots. {@link #execute} runs an experiment and writes {@code config.json} (before it trains), {@code metrics.jsonl}
 * and {@code metrics.csv} (every record, CSV columns the union of keys in first-seen order), the PNG plots and
 * {@code verdict.json}; every file is written atomically. While it runs, each record is also appended to
 * {@code metrics.partial.jsonl}, so a stopped run keeps what it measured; the file is removed once the metrics are written.
 */
public final class ExperimentRun {
    private final Backend backend;
    private final PrintWriter log;
    private final Path out;
    private final Preset preset;
    /** Every record as it is made, so that a run that is stopped keeps what it measured (removed at the end). */
    static final String PARTIAL = "metrics.partial.jsonl";
    private final List<Map<String, Object>> records = new ArrayList<>();
    private final List<String> plots = new ArrayList<>();

    private ExperimentRun(Backend backend, PrintWriter log, Path out, Preset preset) {
        this.backend = backend;
        this.log = log;
        this.out = out;
        this.preset = preset;
    }

    /**
     * The outcome of one experiment.
     *
     * @param name     experiment name
     * @param preset   preset the configuration started from
     * @param verdicts one per law
     * @param seconds  wall time of the run
     */
    public record Outcome(String name, Preset preset, List<Verdict> verdicts, double seconds) {
        /** True when every law held. */
        public boolean pass() {
            return verdicts.stream().allMatch(Verdict::pass);
        }
    }

    /** The compute backend. */
    public Backend backend() {
        return backend;
    }

    /** Progress and tables for the user. */
    public PrintWriter log() {
        return log;
    }

    /** The preset the configuration came from. */
    public Preset preset() {
        return preset;
    }

    /** The output folder (exists). */
    public Path out() {
        return out;
    }

    /**
     * Adds one metrics record (keys in order; e.g. {@code series}, {@code step}, values). Records are written to
     * {@code metrics.jsonl} and {@code metrics.csv} when the experiment ends.
     */
    public void record(Map<String, Object> rec) {
        records.add(new LinkedHashMap<>(rec));
        try {
            Files.writeString(out.resolve(PARTIAL), Json.write(rec) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + out.resolve(PARTIAL) + ": " + e.getMessage(), e);
        }
    }

    /** The records added so far. */
    public List<Map<String, Object>> records() {
        return List.copyOf(records);
    }

    /** Saves {@code plot} as {@code out/fileName} (PNG, atomically). */
    public void plot(String fileName, LinePlot plot) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(plot.render(800, 500), "png", bytes)) {
                throw new IllegalStateException("no PNG writer available to write " + fileName);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render plot " + fileName + ": " + e.getMessage(), e);
        }
        AtomicFiles.write(out.resolve(fileName), bytes.toByteArray());
        plots.add(fileName);
    }

    /** The plot files saved so far. */
    public List<String> plots() {
        return List.copyOf(plots);
    }

    /**
     * Runs {@code exp} with {@code config} into {@code out} (created if missing; the caller checks that it belongs
     * to this run), prints one verdict line per law to {@code log} and returns the outcome.
     */
    public static <C extends Experiment.Config> Outcome execute(Experiment<C> exp, C config, Preset preset, Path out,
                                                               Backend backend, PrintWriter log) {
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out + ": " + e.getMessage(), e);
        }
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("experiment", exp.name());
        cfg.put("tests", exp.tests());
        cfg.put("preset", preset.label());
        cfg.put("backend", backend.name());
        cfg.put("config", config.toMap());
        AtomicFiles.write(out.resolve("config.json"), Json.pretty(cfg).getBytes(StandardCharsets.UTF_8));
        ExperimentRun run = new ExperimentRun(backend, log, out, preset);
        long t0 = System.nanoTime();
        List<Verdict> verdicts = exp.run(config, run);
        double seconds = (System.nanoTime() - t0) * 1e-9;
        if (verdicts.isEmpty()) {
            throw new IllegalStateException("experiment " + exp.name() + " checked no law");
        }
        run.writeMetrics();
        List<Object> vj = new ArrayList<>();
        for (Verdict v : verdicts) {
            vj.add(v.toMap(exp.name(), preset, seconds));
            log.println(v.line(exp.name()));
        }
        AtomicFiles.write(out.resolve("verdict.json"), Json.pretty(vj).getBytes(StandardCharsets.UTF_8));
        log.printf(java.util.Locale.ROOT, "%s: %d of %d laws held (%.1f s); wrote %s%n", exp.name(),
                verdicts.stream().filter(Verdict::pass).count(), verdicts.size(), seconds, out);
        log.flush();
        return new Outcome(exp.name(), preset, List.copyOf(verdicts), seconds);
    }

    private void writeMetrics() {
        StringBuilder jsonl = new StringBuilder();
        Set<String> cols = new LinkedHashSet<>();
        for (Map<String, Object> r : records) {
            jsonl.append(Json.write(r)).append('\n');
            cols.addAll(r.keySet());
        }
        StringBuilder csv = new StringBuilder(String.join(",", cols)).append('\n');
        for (Map<String, Object> r : records) {
            boolean first = true;
            for (String c : cols) {
                if (!first) {
                    csv.append(',');
                }
                first = false;
                Object v = r.get(c);
                if (v != null) {
                    String s = v instanceof String str ? str : Json.write(v);
                    csv.append(s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s);
                }
            }
            csv.append('\n');
        }
        AtomicFiles.write(out.resolve("metrics.jsonl"), jsonl.toString().getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(out.resolve("metrics.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
        try {
            Files.deleteIfExists(out.resolve(PARTIAL));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + out.resolve(PARTIAL) + ": " + e.getMessage(), e);
        }
    }
}
