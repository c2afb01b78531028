package carnot.science.train;

import carnot.engine.io.AtomicFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Streams metric records to {@code metrics.jsonl} (one JSON object per line, keys in insertion order, only the
 * metrics measured at that step) and {@code metrics.csv} (fixed columns declared up front, empty cells for
 * metrics not measured at that step). Every record must contain "step"; the records of a run are steps 0, 1, 2, …
 * in order. Each line ends in a line feed and is flushed as it is written (JSONL first, then CSV).
 *
 * <p>Resuming: {@link #open} with {@code resumeStep ≥ 0} keeps the records with step ≤ resumeStep and replaces both
 * files atomically with them (temp file + move) before appending, so a resumed run rewrites exactly the lines an
 * uninterrupted run would have written and a kill during the rewrite leaves the old or the new file. A last line
 * without its line feed (the writer was killed in the middle of it) is dropped; {@link #completeRecords} counts
 * the records both files hold.
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
     * @throws IllegalArgumentException when resuming and the CSV header is not {@code columns}, or the files do not
     *                                  hold every record 0..resumeStep
     */
    public static MetricsWriter open(Path dir, List<String> columns, long resumeStep) {
        if (columns.isEmpty() || !columns.getFirst().equals("step")) {
            throw new IllegalArgumentException("metrics columns must start with \"step\"; given " + columns);
        }
        Path j = dir.resolve("metrics.jsonl");
        Path c = dir.resolve("metrics.csv");
        String header = String.join(",", columns);
        try {
            Files.createDirectories(dir);
            StringBuilder keepJ = new StringBuilder();
            StringBuilder keepC = new StringBuilder(header).append('\n');
            if (resumeStep >= 0) {
                List<String> old = completeLines(c);
                if (old.isEmpty() || !old.getFirst().equals(header)) {
                    throw new IllegalArgumentException("cannot resume: " + c + " has columns "
                            + (old.isEmpty() ? "none" : old.getFirst()) + " but this run writes " + header);
                }
                List<String> rj = records(completeLines(j), true, columns.size());
                List<String> rc = records(old.subList(1, old.size()), false, columns.size());
                long have = Math.min(rj.size(), rc.size());
                if (have <= resumeStep) {
                    throw new IllegalArgumentException("cannot resume at step " + (resumeStep + 1) + ": "
                            + (rj.size() <= resumeStep ? j : c) + " holds the records of steps 0.." + (have - 1)
                            + " only; steps 0.." + resumeStep + " are needed");
                }
                for (int i = 0; i <= resumeStep; i++) {
                    keepJ.append(rj.get(i)).append('\n');
                    keepC.append(rc.get(i)).append('\n');
                }
            }
            AtomicFiles.write(j, keepJ.toString().getBytes(StandardCharsets.UTF_8));
            AtomicFiles.write(c, keepC.toString().getBytes(StandardCharsets.UTF_8));
            BufferedWriter jw = Files.newBufferedWriter(j, StandardCharsets.UTF_8, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
            BufferedWriter cw = Files.newBufferedWriter(c, StandardCharsets.UTF_8, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
            return new MetricsWriter(List.copyOf(columns), jw, cw);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics files in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * How many leading records (steps 0, 1, …, n−1) both {@code metrics.jsonl} and {@code metrics.csv} of
     * {@code dir} hold complete; a torn last line does not count, missing files count 0.
     */
    public static long completeRecords(Path dir) {
        Path j = dir.resolve("metrics.jsonl");
        Path c = dir.resolve("metrics.csv");
        try {
            List<String> cl = completeLines(c);
            if (cl.isEmpty()) {
                return 0;
            }
            int cols = cl.getFirst().split(",", -1).length;
            return Math.min(records(completeLines(j), true, cols).size(),
                    records(cl.subList(1, cl.size()), false, cols).size());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read metrics files in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Appends one record (must contain "step", which the JSONL line starts with; the other keys keep the record's
     * order; keys outside the CSV columns appear only in the JSONL).
     */
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
        Map<String, Object> ordered = new java.util.LinkedHashMap<>();
        ordered.put("step", record.get("step"));
        ordered.putAll(record);
        try {
            jsonl.write(Json.write(ordered));
            jsonl.write('\n');
            jsonl.flush();
            csv.write(row.toString());
            csv.write('\n');
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

    /** The lines of {@code f} that end in a line feed (a torn last line is dropped); empty when f is missing. */
    private static List<String> completeLines(Path f) throws IOException {
        String s;
        try {
            s = Files.readString(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (java.nio.charset.CharacterCodingException e) {
            s = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
        }
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', from)) {
            out.add(s.substring(from, nl));
            from = nl + 1;
        }
        return out;
    }

    /**
     * The leading lines that are the records of steps 0, 1, 2, … in order: a JSONL line {@code {"step":N,…}}, a
     * CSV row {@code N,…} with {@code cols} cells. Stops at the first line that is not the next step's record.
     */
    private static List<String> records(List<String> lines, boolean json, int cols) {
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            long step = json ? stepOfJson(line) : stepOfCsv(line, cols);
            if (step != out.size()) {
                break;
            }
            out.add(line);
        }
        return out;
    }

    private static long stepOfJson(String line) {
        String p = "{\"step\":";
        if (!line.startsWith(p) || !line.endsWith("}")) {
            return -1;
        }
        int e = p.length();
        while (e < line.length() && Character.isDigit(line.charAt(e))) {
            e++;
        }
        return e == p.length() || e > p.length() + 18 ? -1 : Long.parseLong(line.substring(p.length(), e));
    }

    private static long stepOfCsv(String line, int cols) {
        if (line.split(",", -1).length != cols) {
            return -1;
        }
        int e = line.indexOf(',') < 0 ? line.length() : line.indexOf(',');
        for (int i = 0; i < e; i++) {
            if (!Character.isDigit(line.charAt(i))) {
                return -1;
            }
        }
        return e == 0 || e > 18 ? -1 : Long.parseLong(line.substring(0, e));
    }
}
