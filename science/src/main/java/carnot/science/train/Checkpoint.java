package carnot.science.train;

import carnot.engine.io.NdArray;
import carnot.engine.io.NpyType;
import carnot.engine.io.Npz;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.stream.Stream;

/**
 * Everything needed to resume a run bitwise: the step, the weights (flat, in parameter order, stored per parameter
 * with its shape), the optimizer state and extra run state (e.g. Lanczos warm-start vectors, the best loss so far).
 *
 * <p>File format: a NumPy {@code .npz} with f64 arrays {@code param.NAME} (the parameter's shape),
 * {@code opt.KEY}, {@code extra.KEY}, an i64 {@code meta.step} and, when the run has one, an i32
 * {@code meta.fingerprint} holding the UTF-8 bytes of the run's {@link Fingerprint#text()} (in NumPy:
 * {@code bytes(a["meta.fingerprint"].astype("u1")).decode()}) — readable with {@code numpy.load}. A damaged file
 * (torn, or a flipped bit: {@link Npz#read} checks every entry's CRC-32) is refused on load. Values are stored
 * as f64, which holds f32 weights exactly. Files are written atomically (temp file + move), so a killed writer
 * leaves the previous file or none, never a torn one.
 *
 * @param step      optimizer steps taken
 * @param names     parameter names in order
 * @param shapes    parameter shapes in order
 * @param weights   all parameters concatenated, length Σ size(shape)
 * @param optimizer optimizer state ({@link carnot.science.optim.Optimizer#state()})
 * @param extra     other run state
 * @param fingerprint the text of the run's {@link Fingerprint}, or "" when the run has none
 */
public record Checkpoint(long step, List<String> names, List<int[]> shapes, double[] weights,
                         Map<String, double[]> optimizer, Map<String, double[]> extra, String fingerprint) {

    /** A checkpoint without a configuration fingerprint. */
    public Checkpoint(long step, List<String> names, List<int[]> shapes, double[] weights,
                      Map<String, double[]> optimizer, Map<String, double[]> extra) {
        this(step, names, shapes, weights, optimizer, extra, "");
    }

    public Checkpoint {
        if (fingerprint == null) {
            throw new IllegalArgumentException("checkpoint fingerprint must be a text (\"\" for none); given null");
        }
        long total = 0;
        if (names.size() != shapes.size()) {
            throw new IllegalArgumentException("checkpoint needs one shape per parameter name; given " + names.size()
                    + " names and " + shapes.size() + " shapes");
        }
        for (int[] s : shapes) {
            total += NdArray.elementCount(s);
        }
        if (total != weights.length) {
            throw new IllegalArgumentException("checkpoint weights must have " + total + " values for the given shapes; given "
                    + weights.length);
        }
    }

    /** Writes this checkpoint atomically to {@code file}. */
    public void save(Path file) {
        SequencedMap<String, NdArray> a = new LinkedHashMap<>();
        a.put("meta.step", NdArray.ofI64(new long[] {step}, 1));
        if (!fingerprint.isEmpty()) {
            a.put("meta.fingerprint", bytes(fingerprint.getBytes(StandardCharsets.UTF_8)));
        }
        int at = 0;
        for (int i = 0; i < names.size(); i++) {
            int n = (int) NdArray.elementCount(shapes.get(i));
            double[] part = new double[n];
            System.arraycopy(weights, at, part, 0, n);
            at += n;
            a.put("param." + names.get(i), NdArray.ofF64(part, shapes.get(i)));
        }
        optimizer.forEach((k, v) -> a.put("opt." + k, NdArray.ofF64(v.clone(), v.length)));
        extra.forEach((k, v) -> a.put("extra." + k, NdArray.ofF64(v.clone(), v.length)));
        try {
            if (file.toAbsolutePath().getParent() != null) {
                java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
            }
        } catch (java.io.IOException e) {
            throw new UncheckedIOException("cannot create the folder for checkpoint " + file + ": " + e.getMessage(), e);
        }
        Npz.write(a, file, false);
    }

    /**
     * Reads a checkpoint and checks it holds exactly the expected parameters (names and shapes in order).
     */
    public static Checkpoint load(Path file, List<String> expectedNames, List<int[]> expectedShapes) {
        SequencedMap<String, NdArray> a = Npz.read(file);
        NdArray ms = Npz.require(a, "meta.step", file);
        if (ms.dtype() != NpyType.I64 || ms.size() != 1 || ((long[]) ms.data())[0] < 0) {
            throw new IllegalArgumentException("checkpoint " + file + ": meta.step must be one i64 >= 0; file has "
                    + ms.dtype() + " " + java.util.Arrays.toString(ms.shape()));
        }
        long step = ((long[]) ms.data())[0];
        String fp = "";
        NdArray mf = a.get("meta.fingerprint");
        if (mf != null) {
            if (mf.dtype() != NpyType.I32 || mf.rank() != 1) {
                throw new IllegalArgumentException("checkpoint " + file + ": meta.fingerprint must be a 1-d i32 array "
                        + "of UTF-8 bytes; file has " + mf.dtype() + " " + java.util.Arrays.toString(mf.shape()));
            }
            int[] c = (int[]) mf.data();
            byte[] b = new byte[c.length];
            for (int i = 0; i < c.length; i++) {
                b[i] = (byte) c[i];
            }
            fp = new String(b, StandardCharsets.UTF_8);
        }
        List<double[]> parts = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < expectedNames.size(); i++) {
            NdArray p = Npz.require(a, "param." + expectedNames.get(i), file);
            if (!java.util.Arrays.equals(p.shape(), expectedShapes.get(i))) {
                throw new IllegalArgumentException("checkpoint " + file + ": parameter " + expectedNames.get(i)
                        + " must have shape " + java.util.Arrays.toString(expectedShapes.get(i)) + "; file has "
                        + java.util.Arrays.toString(p.shape()));
            }
            double[] d = p.toDoubles();
            parts.add(d);
            total += d.length;
        }
        long params = a.keySet().stream().filter(k -> k.startsWith("param.")).count();
        if (params != expectedNames.size()) {
            throw new IllegalArgumentException("checkpoint " + file + " has " + params + " parameters; the model has "
                    + expectedNames.size());
        }
        double[] w = new double[Math.toIntExact(total)];
        int at = 0;
        for (double[] d : parts) {
            System.arraycopy(d, 0, w, at, d.length);
            at += d.length;
        }
        Map<String, double[]> opt = new LinkedHashMap<>();
        Map<String, double[]> extra = new LinkedHashMap<>();
        a.forEach((k, v) -> {
            if (k.startsWith("opt.")) {
                opt.put(k.substring(4), v.toDoubles());
            } else if (k.startsWith("extra.")) {
                extra.put(k.substring(6), v.toDoubles());
            }
        });
        return new Checkpoint(step, List.copyOf(expectedNames), List.copyOf(expectedShapes), w, opt, extra, fp);
    }

    /** Bytes as a 1-d i32 array of values 0..255 (npz has no byte type here). */
    private static NdArray bytes(byte[] b) {
        int[] c = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            c[i] = b[i] & 0xff;
        }
        return NdArray.ofI32(c, c.length);
    }

    /** {@code runDir/checkpoints/step-NNNNNNNN.npz}, the file of the checkpoint at {@code step}. */
    public static Path file(Path runDir, long step) {
        return runDir.resolve("checkpoints").resolve(String.format(java.util.Locale.ROOT, "step-%08d.npz", step));
    }

    /** The steps of the {@code checkpoints/step-N.npz} files of {@code runDir}, latest first (empty if none). */
    public static List<Long> steps(Path runDir) {
        Path dir = runDir.resolve("checkpoints");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(f -> f.getFileName().toString()).filter(n -> n.matches("step-\\d{1,18}\\.npz"))
                    .map(n -> Long.parseLong(n.substring(5, n.length() - 4))).sorted(Comparator.reverseOrder()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The checkpoint a run in {@code runDir} resumes from: the latest {@code checkpoints/step-N.npz} with
     * N ≤ {@code maxStep} that reads back with the expected parameters, whose {@code meta.step} is N, and whose
     * preceding records (steps 0..N−1) are all in the metrics files ({@link MetricsWriter#completeRecords}). A file
     * that fails one of these checks is not a state of this run that can be continued (torn, corrupt, renamed, or
     * ahead of the metrics): it is skipped with a line to {@code warn}, in favour of the previous one, which
     * resumes the same run bitwise.
     *
     * <p>A checkpoint that reads back but was made by another configuration is never skipped silently: the call
     * refuses, naming each flag that differs with both values.
     *
     * @throws IllegalArgumentException no usable checkpoint (the message lists why each was rejected), or the
     *                                  latest readable one has another fingerprint or none
     */
    public static Checkpoint resumable(Path runDir, List<String> names, List<int[]> shapes, Fingerprint expected,
                                       long maxStep, java.util.function.Consumer<String> warn) {
        List<Long> steps = steps(runDir);
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("--resume: " + runDir + " has no checkpoint (checkpoints/step-N.npz); "
                    + "the run stopped before its first checkpoint: start it again with --overwrite");
        }
        long records = MetricsWriter.completeRecords(runDir);
        List<String> rejected = new ArrayList<>();
        for (long n : steps) {
            Path f = file(runDir, n);
            String why;
            Checkpoint c = null;
            if (n > maxStep) {
                why = "step " + n + " is past --steps " + maxStep;
            } else {
                try {
                    c = load(f, names, shapes);
                    why = c.step() != n ? "its meta.step is " + c.step() + ", not the step " + n + " of its name"
                            : n > records ? "the metrics files hold the records of steps 0.." + (records - 1) + " only"
                            : null;
                } catch (IllegalArgumentException | UncheckedIOException e) {
                    why = "unreadable: " + e.getMessage();
                }
            }
            if (c != null && c.step() == n) {
                if (c.fingerprint().isEmpty()) {
                    throw new IllegalArgumentException("--resume: checkpoint " + f + " carries no configuration "
                            + "fingerprint (meta.fingerprint), so it cannot be matched to this command; start the run "
                            + "again with --overwrite");
                }
                if (!c.fingerprint().equals(expected.text())) {
                    List<String> d = expected.differences(Fingerprint.parse(c.fingerprint()), "in this command",
                            "in the checkpoint");
                    throw new IllegalArgumentException("--resume: checkpoint " + f + " was made by another "
                            + "configuration; flags that differ: " + String.join("; ", d)
                            + " (resume with the checkpoint's values, or start a new run in another --out)");
                }
            }
            if (why == null) {
                if (!rejected.isEmpty()) {
                    warn.accept("resuming from " + f + "; skipped " + String.join("; ", rejected));
                }
                return c;
            }
            rejected.add(f.getFileName() + " (" + why + ")");
        }
        throw new IllegalArgumentException("--resume: no usable checkpoint in " + runDir.resolve("checkpoints") + ": "
                + String.join("; ", rejected));
    }
}
