package carnot.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.Grad;
import carnot.engine.io.NdArray;
import carnot.engine.io.Npz;
import carnot.models.data.Generated;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line run in process: results, exit codes, error messages, and no output file on failure. */
class CliTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8),
                args);
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    private static String[] cat(String[] a, String... b) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(b));
        return l.toArray(String[]::new);
    }

    private Path mlpData() {
        Path d = dir.resolve("D.npz");
        Npz.write(Generated.teacherStudent(10, new int[] {3, 4, 2}, "tanh", 0.1, 1).toNpz(), d, false);
        return d;
    }

    private static final String[] MLP = {"--model", "mlp", "--widths", "3,5,2", "--act", "tanh", "--backend", "ref",
        "--seed", "4"};

    /** {@link #MLP} without --seed: with --weights and --data nothing is drawn from a seed, so it is refused. */
    private static final String[] MLP_NO_SEED = java.util.Arrays.copyOf(MLP, MLP.length - 2);

    /** grad writes the gradient named like the weights, equal to Grad.of on the same problem; prints the loss. */
    @Test
    void gradWritesGradient() {
        Path data = mlpData();
        Path out = dir.resolve("G.npz");
        Result r = run(cat(cat(new String[] {"grad"}, MLP), "--data", data.toString(), "--out", out.toString()));
        assertEquals(0, r.code(), r.err());
        Map<String, NdArray> g = Npz.read(out);
        assertEquals(List.of("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"), List.copyOf(g.keySet()));
        ModelOptions o = new ModelOptions();
        new picocli.CommandLine(o).parseArgs(cat(MLP, "--data", data.toString()));
        Problems.Problem p = Problems.build(o.config(), System.err);
        Grad ref = Grad.of(p.model(), p.loss(), p.data());
        assertArrayEquals(ref.grad().get(0).toDoubles(), g.get("layers.0.weight").toDoubles(), 0.0);
        assertTrue(r.out().contains(String.format("loss = %.17g", ref.loss())), r.out());
    }

    /** --chunk only bounds memory: gradients and HVPs with chunk 3 equal the one-chunk results to rounding. */
    @Test
    void chunkDoesNotChangeResults() {
        Path data = mlpData();
        Path v = dir.resolve("V.npz");
        Path w = dir.resolve("W.npz");
        assertEquals(0, run(cat(cat(new String[] {"grad"}, MLP), "--data", data.toString(), "--out", w.toString())).code());
        double[] a = null;
        for (String chunk : List.of("0", "3")) {
            Path hv = dir.resolve("HV" + chunk + ".npz");
            Result r = run(cat(cat(new String[] {"hvp"}, MLP), "--data", data.toString(), "--vector", w.toString(),
                    "--chunk", chunk, "--out", hv.toString()));
            assertEquals(0, r.code(), r.err());
            double[] b = Npz.read(hv).get("layers.0.weight").toDoubles();
            if (a != null) {
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], 1e-13 * Math.max(1, Math.abs(a[i])));
                }
            }
            a = b;
        }
    }

    /** Weights saved from PyTorch-style npz are used: different weights give a different loss; shapes are checked. */
    @Test
    void weightsFileIsUsedAndChecked() {
        Path data = mlpData();
        Random rnd = new Random(3);
        Map<String, NdArray> w = new LinkedHashMap<>();
        w.put("layers.0.weight", NdArray.ofF32(randf(rnd, 15), 5, 3));
        w.put("layers.0.bias", NdArray.ofF64(new double[5], 5));
        w.put("layers.1.weight", NdArray.ofF64(rnd.doubles(10).toArray(), 2, 5));
        w.put("layers.1.bias", NdArray.ofF64(new double[] {0.5, -0.5}, 2));
        Path wf = dir.resolve("W.npz");
        Npz.write(w, wf, true);
        Result seeded = run(cat(cat(new String[] {"grad"}, MLP), "--data", data.toString(), "--out",
                dir.resolve("a.npz").toString()));
        Result loaded = run(cat(cat(new String[] {"grad"}, MLP_NO_SEED), "--data", data.toString(), "--weights", wf.toString(),
                "--out", dir.resolve("b.npz").toString()));
        assertEquals(0, loaded.code(), loaded.err());
        assertNotEquals(seeded.out().lines().findFirst(), loaded.out().lines().findFirst());

        w.remove("layers.1.bias");
        w.put("layers.0.weight", NdArray.ofF64(new double[6], 2, 3));
        w.put("extra", NdArray.ofF64(new double[1], 1));
        Npz.write(w, wf, false);
        Path out = dir.resolve("c.npz");
        Result bad = run(cat(cat(new String[] {"grad"}, MLP_NO_SEED), "--data", data.toString(), "--weights", wf.toString(),
                "--out", out.toString()));
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("missing [layers.1.bias[2]]") && bad.err().contains("extra [extra]")
                && bad.err().contains("layers.0.weight is [2, 3], needs [5, 3]"), bad.err());
        assertFalse(Files.exists(out));
    }

    private static float[] randf(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian();
        }
        return f;
    }

    /** Every failure: exit code != 0, a message naming the problem, and no output file. */
    @Test
    void failuresExitNonZeroWithoutOutput() throws Exception {
        Path data = mlpData();
        Path out = dir.resolve("never.npz");
        Path garbage = dir.resolve("garbage.npz");
        Files.writeString(garbage, "not a zip");
        Path noY = dir.resolve("noy.npz");
        Npz.write(Map.of("x", NdArray.ofF64(new double[6], 2, 3)), noY, false);
        Path vec = dir.resolve("v.npz");
        Npz.write(Map.of("layers.0.weight", NdArray.ofF64(new double[15], 5, 3)), vec, false);
        String o = out.toString();
        List<String[]> cases = List.of(
                cat(cat(new String[] {"grad"}, MLP), "--data", data.toString(), "--out", o, "--bogus"),
                cat(cat(new String[] {"grad"}, MLP), "--data", data.toString()),
                cat(cat(new String[] {"grad"}, MLP), "--data", dir.resolve("missing.npz").toString(), "--out", o),
                cat(cat(new String[] {"grad"}, MLP), "--data", garbage.toString(), "--out", o),
                cat(cat(new String[] {"grad"}, MLP), "--data", noY.toString(), "--out", o),
                cat(cat(new String[] {"grad"}, MLP), "--dataset", "nope", "--out", o),
                cat(cat(new String[] {"grad"}, MLP), "--data", data.toString(), "--loss", "hinge", "--out", o),
                cat(cat(new String[] {"grad"}, MLP), "--data", data.toString(), "--dtype", "f16", "--out", o),
                new String[] {"grad", "--widths", "4,2", "--backend", "ref", "--data", data.toString(), "--out", o},
                new String[] {"grad", "--widths", "3,2", "--backend", "warp", "--data", data.toString(), "--out", o},
                cat(cat(new String[] {"hvp"}, MLP), "--data", data.toString(), "--vector", vec.toString(), "--out", o),
                cat(cat(new String[] {"hvp"}, MLP), "--data", data.toString(), "--out", o),
                new String[] {"info", "--model", "transformer", "--vocab", "5", "--ctx", "4", "--d-model", "6", "--heads", "4"},
                new String[] {"info", "--model", "cnn", "--widths", "2,2"},
                new String[] {"grad", "--widths", "3,2", "--data", data.toString(), "--out",
                    dir.resolve("no/such/dir/G.npz").toString()});
        for (String[] c : cases) {
            Result r = run(c);
            assertNotEquals(0, r.code(), String.join(" ", c));
            assertTrue(r.err().contains("carnot: error:"), String.join(" ", c) + " -> " + r.err());
            assertFalse(Files.exists(out), String.join(" ", c));
        }
        Result hvp = run(cases.get(10));
        assertTrue(hvp.err().contains("missing") && hvp.err().contains("layers.1.weight"), hvp.err());
        Result dim = run(cases.get(8));
        assertTrue(dim.err().contains("4 features"), dim.err());
    }

    /** A transformer on token data: y [n] means last-position targets, y [n, t] every position; both run. */
    @Test
    void transformerGradAndHvp() {
        Path data = dir.resolve("T.npz");
        Npz.write(Generated.modular(5, Generated.ModOp.ADD, 1).first(12).toNpz(), data, false);
        String[] tf = {"--model", "transformer", "--vocab", "7", "--ctx", "4", "--d-model", "8", "--heads", "2",
            "--layers", "1", "--backend", "ref"};
        Path g = dir.resolve("G.npz");
        Result r = run(cat(cat(new String[] {"grad"}, tf), "--data", data.toString(), "--out", g.toString()));
        assertEquals(0, r.code(), r.err());
        Path hv = dir.resolve("HV.npz");
        Result h = run(cat(cat(new String[] {"hvp"}, tf), "--data", data.toString(), "--vector", g.toString(), "--out",
                hv.toString()));
        assertEquals(0, h.code(), h.err());
        assertTrue(h.out().contains("v.Hv"));
        Path lang = dir.resolve("L.npz");
        Npz.write(Generated.language(4, 4, 7, 2).toNpz(), lang, false);
        assertEquals(0, run(cat(cat(new String[] {"grad"}, tf), "--data", lang.toString(), "--out", g.toString())).code());
        String[] small = tf.clone();
        small[3] = "3";
        Result badIds = run(cat(cat(new String[] {"grad"}, small), "--data", lang.toString(), "--out",
                dir.resolve("z.npz").toString()));
        assertEquals(1, badIds.code());
        assertTrue(badIds.err().contains("ids in [0, 3)"), badIds.err());
    }

    /** info lists names, shapes, roles and the count; --help works on every command; built-in datasets work. */
    @Test
    void infoHelpAndDatasets() {
        Result r = run("info", "--widths", "784,512,10", "--backend", "ref");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("layers.0.weight") && r.out().contains("[512, 784]") && r.out().contains("INPUT")
                && r.out().contains("parameters: 407050"), r.out());
        for (String c : List.of("info", "grad", "hvp", "data", "demo")) {
            Result h = run(c, "--help");
            assertEquals(0, h.code(), c);
            assertTrue(h.out().contains("Usage: carnot " + c), h.out());
        }
        assertEquals(0, run("data", "list", "--cache", dir.toString()).code());
        assertTrue(dir.resolve("digits").toFile().mkdir());
        Result cached = run("data", "fetch", "digits", "--cache", dir.toString());
        assertEquals(0, cached.code(), cached.err());
        assertTrue(cached.out().contains("already cached"), cached.out());
        Result unknown = run("data", "fetch", "imagenet", "--cache", dir.toString());
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("known: [fashion-mnist, mnist, digits, austen]"), unknown.err());
        Path g = dir.resolve("G.npz");
        Result mix = run("grad", "--widths", "4,6,3", "--backend", "ref", "--dataset", "mixture", "--loss", "ce",
                "--samples", "30", "--out", g.toString());
        assertEquals(0, mix.code(), mix.err());
        Result lin = run("grad", "--model", "linear", "--widths", "4,4,3", "--backend", "ref", "--dataset", "linear",
                "--out", g.toString());
        assertEquals(0, lin.code(), lin.err());
    }

    /** --samples with --subset picks a deterministic subset of a data file; --standardize centers every feature. */
    @Test
    void subsetAndStandardize() {
        Path data = dir.resolve("M.npz");
        Npz.write(Generated.gaussianMixture(30, 4, 3, 2.0, 1).toNpz(), data, false);
        ModelOptions o = new ModelOptions();
        new picocli.CommandLine(o).parseArgs("--widths", "4,3", "--data", data.toString(), "--samples", "6",
                "--subset", "balanced", "--standardize", "--loss", "ce");
        var ex = Problems.examples(o.config(), System.err);
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, 2}, ex.labels());
        double[] x = ex.x().toDoubles();
        for (int j = 0; j < 4; j++) {
            double mean = 0;
            for (int i = 0; i < 6; i++) {
                mean += x[i * 4 + j] / 6;
            }
            assertEquals(0, mean, 1e-12);
        }
        Result tooMany = run("grad", "--widths", "4,3", "--backend", "ref", "--data", data.toString(), "--samples", "31",
                "--loss", "ce", "--out", dir.resolve("g.npz").toString());
        assertEquals(1, tooMany.code());
        assertTrue(tooMany.err().contains("exceeds the 30 examples"), tooMany.err());
        Result badMode = run("grad", "--widths", "4,3", "--data", data.toString(), "--subset", "odd", "--out",
                dir.resolve("g.npz").toString());
        assertTrue(badMode.err().contains("first, seeded or balanced"), badMode.err());
    }

    /** data export writes the examples a command would use: grad on the exported file equals grad on the dataset. */
    @Test
    void exportedDataGivesTheSameGradient() {
        Path d = dir.resolve("E.npz");
        String[] flags = {"--widths", "4,6,3", "--dataset", "mixture", "--samples", "24"};
        Result export = run(cat(cat(new String[] {"data", "export"}, flags), "--out", d.toString()));
        assertEquals(0, export.code(), export.err());
        Result a = run(cat(cat(new String[] {"grad"}, flags), "--backend", "ref", "--loss", "ce", "--out",
                dir.resolve("a.npz").toString()));
        Result b = run("grad", "--widths", "4,6,3", "--backend", "ref", "--data", d.toString(), "--loss", "ce", "--out",
                dir.resolve("b.npz").toString());
        assertEquals(0, b.code(), b.err());
        assertEquals(a.out().lines().findFirst().orElseThrow(), b.out().lines().findFirst().orElseThrow());
        assertArrayEquals(Npz.read(dir.resolve("a.npz")).get("layers.1.weight").toDoubles(),
                Npz.read(dir.resolve("b.npz")).get("layers.1.weight").toDoubles(), 0.0);
    }

    /** demo runs the GD + lambda_max demo (one step here) and the backend self-check; bad settings exit non-zero. */
    @Test
    void demo() {
        Result r = run("demo", "--backend", "ref", "--steps", "1", "--every", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("lambda_max") && r.out().contains("2/lr"), r.out());
        Result c = run("demo", "--backend", "ref", "--self-check");
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("self-check passed"), c.out());
        Result bad = run("demo", "--backend", "ref", "--lr", "-1");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("lr must be"), bad.err());
    }

    /** info --save-weights writes the seeded weights; grad with them as --weights equals grad from the seed. */
    @Test
    void savedInitialWeightsReproduceTheSeededModel() {
        Path data = mlpData();
        Path w = dir.resolve("init.npz");
        Result info = run(cat(cat(new String[] {"info"}, MLP), "--save-weights", w.toString()));
        assertEquals(0, info.code(), info.err());
        Result a = run(cat(cat(new String[] {"grad"}, MLP), "--data", data.toString(), "--out", dir.resolve("a.npz").toString()));
        Result b = run(cat(cat(new String[] {"grad"}, MLP_NO_SEED), "--data", data.toString(), "--weights", w.toString(),
                "--out", dir.resolve("b.npz").toString()));
        assertEquals(0, b.code(), b.err());
        assertEquals(a.out().lines().findFirst().orElseThrow(), b.out().lines().findFirst().orElseThrow());
    }
}
