package carnot.engine.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Streams metric records to {@code metrics.jsonl} (one JSON object per line, keys in insertion order, only the
 * metrics measured at that step) and {@code metrics.csv} (fixed columns declared up front, empty cells for
 * metrics not measured at that step). Every record must contain "step". Lines are flushed as they are written.
 *
 * <p>Resuming: {@link #open} with {@code resumeStep ≥ 0} first truncates both files to the records with
 * step ≤ resumeStep, so a resumed run rewrites exactly the lines an uninterrupted run would have written.
 */
public final class MetricsWriter implements AutoCloseable {
    private final List<String> columns;
    private final BufferedWriter jsonl;
    private final BufferedWriter csv;

    private MetricsWriter(List<String> columns, BufferedWriter jsonl, BufferedWriter csv) {
        this.columns = columns;
        this.jsonl = jsonl;
        this.csv = csv;
    }

    /**
     * Opens the writers in {@code dir}.
     *
     * @param columns    CSV columns, first must be "step"
     * @param resumeStep −1 for a fresh run (files replaced), else keep records up to this step and append
     */
    public static MetricsWriter open(Path dir, List<String> columns, long resumeStep) {
        if (columns.isEmpty() || !columns.getFirst().equals("step")) {
            throw new IllegalArgumentException("metrics columns must start with \"step\"; given " + columns);
        }
        Path j = dir.resolve("metrics.jsonl");
        Path c = dir.resolve("metrics.csv");
        try {
            Files.createDirectories(dir);
            List<String> keepJ = new ArrayList<>();
            List<String> keepC = new ArrayList<>();
            String header = String.join(",", columns);
            if (resumeStep >= 0) {
                for (String line : Files.readAllLines(j)) {
                    if (stepOfJson(line) <= resumeStep) {
                        keepJ.add(line);
                    }
                }
                List<String> old = Files.readAllLines(c);
                if (old.isEmpty() || !old.getFirst().equals(header)) {
                    throw new IllegalArgumentException("cannot resume: " + c + " has columns "
                            + (old.isEmpty() ? "none" : old.getFirst()) + " but this run writes " + header);
                }
                for (String line : old.subList(1, old.size())) {
                    if (Long.parseLong(line.substring(0, line.indexOf(','))) <= resumeStep) {
                        keepC.add(line);
                    }
                }
            }
            BufferedWriter jw = Files.newBufferedWriter(j, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            BufferedWriter cw = Files.newBufferedWriter(c, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            for (String l : keepJ) {
                jw.write(l);
                jw.newLine();
            }
            cw.write(header);
            cw.newLine();
            for (String l : keepC) {
                cw.write(l);
                cw.newLine();
            }
            jw.flush();
            cw.flush();
            return new MetricsWriter(List.copyOf(columns), jw, cw);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics files in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Appends one record (must contain "step"; keys outside the CSV columns appear only in the JSONL). */
    public void write(Map<String, Object> record) {
        if (!(record.get("step") instanceof Number)) {
            throw new IllegalArgumentException("a metrics record needs a numeric \"step\"; given " + record.keySet());
        }
        StringBuilder row = new StringBuilder();
        for (int i = 0; i < columns.size(); i++) {
            if (i > 0) {
                row.append(',');
            }
            Object v = record.get(columns.get(i));
            if (v instanceof Double d) {
                row.append(Double.isFinite(d) ? Json.write(d) : d.toString().toLowerCase(Locale.ROOT));
            } else if (v != null) {
                row.append(Json.write(v).replace(',', ';'));
            }
        }
        try {
            jsonl.write(Json.write(record));
            jsonl.newLine();
            jsonl.flush();
            csv.write(row.toString());
            csv.newLine();
            csv.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            jsonl.close();
            csv.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close metrics files: " + e.getMessage(), e);
        }
    }

    private static long stepOfJson(String line) {
        int k = line.indexOf("\"step\":");
        if (k < 0) {
            throw new IllegalArgumentException("metrics line without \"step\": " + line);
        }
        int e = k + 7;
        while (e < line.length() && (Character.isDigit(line.charAt(e)) || line.charAt(e) == '-')) {
            e++;
        }
        return Long.parseLong(line.substring(k + 7, e));
    }
}
