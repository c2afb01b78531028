package carnot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.Scope;
import carnot.engine.io.NdArray;
import carnot.engine.io.Npz;
import carnot.science.spectral.DenseOperator;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code carnot spectrum}: every method through the command line on a small MLP, and the JSON it prints. */
class SpectrumCommandTest {

    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8),
            err.toString(StandardCharsets.UTF_8)};
    }

    private static double[] array(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\[([^\\]]*)\\]").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        String[] parts = m.group(1).split(",");
        double[] v = new double[parts.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Double.parseDouble(parts[i]);
        }
        return v;
    }

    private static double number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":([-0-9.eE+]+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    private static Path data(Path dir) {
        SplittableRandom r = new SplittableRandom(4);
        double[] x = new double[30 * 3];
        double[] y = new double[30 * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = r.nextGaussian();
        }
        Path f = dir.resolve("d.npz");
        Npz.write(Map.of("x", NdArray.ofF64(x, 30, 3), "y", NdArray.ofF64(y, 30, 2)), f, false);
        return f;
    }

    /** Lanczos, LOBPCG and power top eigenvalues from the CLI equal the full eigendecomposition's (f64). */
    @Test
    void iterativeMethodsAgreeWithFull(@TempDir Path dir) {
        String d = data(dir).toString();
        String[] base = {"spectrum", "--widths", "3,5,2", "--backend", "ref", "--data", d, "--json"};
        String[] full = run(concat(base, "--method", "full", "--top", "3", "--bottom", "2", "--all"));
        assertEquals("0", full[0], full[2]);
        double[] exact = array(full[1], "eigenvalues");
        assertEquals(5 * 3 + 5 + 2 * 5 + 2, (int) number(full[1], "dim"));
        assertEquals(32, (int) number(full[1], "hvps"));
        for (String method : new String[] {"lanczos", "lobpcg"}) {
            String[] r = run(concat(base, "--method", method, "--top", "3", "--tol", "1e-9"));
            assertEquals("0", r[0], r[2]);
            double[] got = array(r[1], "eigenvalues");
            for (int i = 0; i < 3; i++) {
                assertEquals(exact[i], got[i], 1e-8 * Math.abs(exact[0]), method + " " + i);
            }
            assertTrue(r[1].contains("\"residuals\":["), r[1]);
            // a tiny solve can finish within the clock's resolution: the times must be present and non-negative
            assertTrue(number(r[1], "wall_seconds") >= 0, r[1]);
            assertTrue(number(r[1], "cpu_seconds") >= 0, r[1]);
        }
        String[] chunked = run(concat(base, "--method", "lanczos", "--top", "1", "--tol", "1e-9", "--chunk", "7"));
        assertEquals(exact[0], array(chunked[1], "eigenvalues")[0], 1e-10 * Math.abs(exact[0]), "chunk 7");
        assertTrue(chunked[1].contains("\"linearized\":true"), chunked[1]);
        String[] fresh = run(concat(base, "--method", "lanczos", "--top", "1", "--tol", "1e-9", "--chunk", "7",
                "--linearize", "off"));
        assertTrue(fresh[1].contains("\"linearized\":false"), fresh[1]);
        assertEquals(array(chunked[1], "eigenvalues")[0], array(fresh[1], "eigenvalues")[0], 0.0,
                "linearized products are bitwise those of fresh passes, so the solve is identical");
        assertEquals(number(chunked[1], "hvps"), number(fresh[1], "hvps"));
        String[] bad = run(concat(base, "--linearize", "maybe"));
        assertTrue(bad[2].contains("--linearize must be auto, on or off"), bad[2]);
    }

    /** SLQ writes the PNG and table and reports an integral of 1; trace reports both estimators; warm start works. */
    @Test
    void slqTraceAndWarmStart(@TempDir Path dir) throws Exception {
        String d = data(dir).toString();
        String[] base = {"spectrum", "--widths", "3,5,2", "--backend", "ref", "--data", d, "--json"};
        Path png = dir.resolve("density.png");
        Path tsv = dir.resolve("density.tsv");
        String[] slq = run(concat(base, "--method", "slq", "--probes", "4", "--steps", "12", "--plot", png.toString(),
                "--table", tsv.toString()));
        assertEquals("0", slq[0], slq[2]);
        assertEquals(1, number(slq[1], "integral"), 1e-6);
        assertTrue(Files.size(png) > 1000);
        assertTrue(Files.readString(tsv).startsWith("eigenvalue\tdensity"));
        String[] tr = run(concat(base, "--method", "trace", "--probes", "12"));
        assertEquals("0", tr[0], tr[2]);
        assertTrue(tr[1].contains("\"hutchinson\"") && tr[1].contains("\"hutchpp\""), tr[1]);
        Path v = dir.resolve("v.npz");
        String[] cold = run(concat(base, "--top", "2", "--tol", "1e-8", "--save-vectors", v.toString()));
        assertEquals("0", cold[0], cold[2]);
        String[] warm = run(concat(base, "--top", "2", "--tol", "1e-8", "--method", "lobpcg", "--warm-start",
                v.toString()));
        assertEquals("0", warm[0], warm[2]);
        assertTrue(number(warm[1], "hvps") <= 2 * 3, "warm LOBPCG from exact vectors: " + warm[1]);
    }

    /**
     * Block restriction with saved eigenvectors (the first layer: the readout block would be a Kronecker product
     * with I_2 whose eigenvalues are all double), and bad flags: errors name the flag and what was given.
     */
    @Test
    void blockAndErrors(@TempDir Path dir) {
        String d = data(dir).toString();
        String[] base = {"spectrum", "--widths", "3,5,2", "--backend", "ref", "--data", d, "--json"};
        Path vec = dir.resolve("full.npz");
        String[] blk = run(concat(base, "--block", "layers.0", "--method", "full", "--top", "1", "--save-vectors",
                vec.toString()));
        assertEquals("0", blk[0], blk[2]);
        assertEquals(3 * 5 + 5, (int) number(blk[1], "dim"));
        Map<String, NdArray> saved = Npz.read(vec);
        assertEquals(java.util.List.of(20, 20), java.util.Arrays.stream(saved.get("vectors").shape()).boxed().toList());
        double[] ev = saved.get("eigenvalues").toDoubles();
        assertEquals(array(blk[1], "eigenvalues")[0], ev[19], 0);
        Path lv = dir.resolve("lanczos.npz");
        String[] lan = run(concat(base, "--block", "layers.0", "--top", "1", "--tol", "1e-12", "--save-vectors",
                lv.toString()));
        assertEquals("0", lan[0], lan[2]);
        double[] top = Npz.read(lv).get("vectors").toDoubles();
        double[] v = saved.get("vectors").toDoubles();
        double dot = 0;
        for (int i = 0; i < 20; i++) {
            dot += v[19 * 20 + i] * top[i];
        }
        assertEquals(1, Math.abs(dot), 1e-8, "row 19 of the saved full eigenvectors is the top eigenvector");
        String[] bad = run(concat(base, "--block", "nope"));
        assertEquals("1", bad[0]);
        assertTrue(bad[2].contains("'nope'") && bad[2].contains("layers.0.weight"), bad[2]);
        String[] badMethod = run(concat(base, "--method", "qr"));
        assertTrue(badMethod[2].contains("--method") && badMethod[2].contains("'qr'"), badMethod[2]);
    }

    /** The command's compute step on an explicit matrix: top/bottom values of a diagonal matrix. */
    @Test
    void computeOnDenseOperator() {
        try (Scope s = Scope.open()) {
            double[][] m = new double[12][12];
            for (int i = 0; i < 12; i++) {
                m[i][i] = i - 3;
            }
            DenseOperator op = DenseOperator.of(new RefBackend(), DType.F64, m);
            SpectrumCommand.Settings st = new SpectrumCommand.Settings("lanczos", 2, 1, false, 1e-10,
                    carnot.science.spectral.Stop.RESIDUAL, 100, 0, 1, 1, 1,
                    0.01, 10, 0, false, false);
            Map<String, Object> j = SpectrumCommand.compute(op, st, null).json();
            assertEquals(8.0, ((double[]) j.get("eigenvalues"))[0], 1e-10);
            assertEquals(7.0, ((double[]) j.get("eigenvalues"))[1], 1e-10);
            @SuppressWarnings("unchecked")
            Map<String, Object> bottom = (Map<String, Object>) j.get("bottom");
            assertEquals(-3.0, ((double[]) bottom.get("eigenvalues"))[0], 1e-10);
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
