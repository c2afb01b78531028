package carnot.engine.train;

import carnot.engine.io.NdArray;
import carnot.engine.io.Npz;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Everything needed to resume a run bitwise: the step, the weights (flat, in parameter order, stored per parameter
 * with its shape), the optimizer state and extra run state (e.g. Lanczos warm-start vectors, the best loss so far).
 *
 * <p>File format: a NumPy {@code .npz} with f64 arrays {@code param.NAME} (the parameter's shape),
 * {@code opt.KEY}, {@code extra.KEY} and an i64 {@code meta.step} — readable with {@code numpy.load}.
 * Values are stored as f64, which holds f32 weights exactly.
 *
 * @param step      optimizer steps taken
 * @param names     parameter names in order
 * @param shapes    parameter shapes in order
 * @param weights   all parameters concatenated, length Σ size(shape)
 * @param optimizer optimizer state ({@link carnot.engine.optim.Optimizer#state()})
 * @param extra     other run state
 */
public record Checkpoint(long step, List<String> names, List<int[]> shapes, double[] weights,
                         Map<String, double[]> optimizer, Map<String, double[]> extra) {

    public Checkpoint {
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
            throw new java.io.UncheckedIOException("cannot create the folder for checkpoint " + file + ": " + e.getMessage(), e);
        }
        Npz.write(a, file, false);
    }

    /**
     * Reads a checkpoint and checks it holds exactly the expected parameters (names and shapes in order).
     */
    public static Checkpoint load(Path file, List<String> expectedNames, List<int[]> expectedShapes) {
        SequencedMap<String, NdArray> a = Npz.read(file);
        long step = Npz.require(a, "meta.step", file).toDoubles().length == 1
                ? (long) Npz.require(a, "meta.step", file).toDoubles()[0] : -1;
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
        return new Checkpoint(step, List.copyOf(expectedNames), List.copyOf(expectedShapes), w, opt, extra);
    }
}
