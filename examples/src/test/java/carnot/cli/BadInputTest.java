package carnot.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.cli.CliTest.Result;
import carnot.engine.io.NdArray;
import carnot.engine.io.Npz;
import carnot.models.data.Generated;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every flag is honoured or refused, and bad input writes nothing: a flag a command would ignore, a malformed
 * value, NaN/Inf in an input file, a full spectrum that cannot fit in memory and an observable that cannot apply
 * each exit non-zero (2 for flags) with a message naming what is wrong, and leave the output path as it was.
 */
class BadInputTest {
    @TempDir
    Path dir;

    private static final String[] MLP = {"--widths", "3,5,2", "--backend", "ref"};

    /** {@code name} with the mlp flags, then {@code rest}. */
    private static String[] cmd(String name, String... rest) {
        return cat(cat(new String[] {name}, MLP), rest);
    }

    private static String[] cat(String[] a, String... b) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(b));
        return l.toArray(String[]::new);
    }

    private Path data() {
        Path d = dir.resolve("D.npz");
        Npz.write(Generated.teacherStudent(10, new int[] {3, 4, 2}, "tanh", 0.1, 1).toNpz(), d, false);
        return d;
    }

    /** Runs {@code args}, expects {@code code}, every one of {@code parts} in stderr and {@code out} untouched. */
    private Result refused(int code, Path out, List<String> parts, String... args) throws IOException {
        byte[] before = Files.exists(out) ? Files.readAllBytes(out) : null;
        Result r = CliTest.run(args);
        assertEquals(code, r.code(), String.join(" ", args) + "\n" + r.err());
        for (String p : parts) {
            assertTrue(r.err().contains(p), "stderr lacks '" + p + "': " + r.err());
        }
        if (before == null) {
            assertFalse(Files.exists(out), out + " was written");
        } else {
            assertArrayEquals(before, Files.readAllBytes(out), out + " was changed");
        }
        return r;
    }

    @Test
    void flagsACommandWouldIgnoreAreRefused() throws IOException {
        Path d = data();
        Path g = dir.resolve("G.npz");
        String dd = d.toString();
        refused(2, g, List.of("--lr does not apply with --self-check"), "demo", "--backend", "ref", "--self-check",
                "--lr", "0.1");
        refused(2, g, List.of("--steps does not apply"), "demo", "--self-check", "--steps", "3");
        refused(2, g, List.of("Unknown options: '--data'"), "info", "--widths", "3,2", "--data", dd);
        refused(2, g, List.of("Unknown options: '--loss'"), "info", "--widths", "3,2", "--loss", "ce");
        refused(2, g, List.of("Unknown options: '--dtype'"), "data", "export", "--dataset", "mixture", "--widths",
                "4,3", "--dtype", "f32", "--out", g.toString());
        refused(2, g, List.of("Unknown options: '--backend'"), "data", "export", "--dataset", "mixture", "--widths",
                "4,3", "--backend", "ref", "--out", g.toString());
        refused(2, g, List.of("--widths does not apply with --data"), "data", "export", "--data", dd, "--widths", "3,2",
                "--out", g.toString());
        refused(2, g, List.of("--act does not apply to --model linear"), "grad", "--model", "linear", "--widths",
                "3,4,2", "--act", "relu", "--data", dd, "--out", g.toString());
        refused(2, g, List.of("--vocab does not apply to --model mlp"), cmd("grad", "--vocab", "5", "--data", dd,
                "--out", g.toString()));
        refused(2, g, List.of("--widths does not apply to --model transformer"), "grad", "--model", "transformer",
                "--vocab", "7", "--ctx", "4", "--d-model", "8", "--widths", "3,2", "--dataset", "modular", "--out",
                g.toString());
        refused(2, g, List.of("--subset does not apply to the generated data set 'teacher'"), cmd("grad", "--dataset", "teacher", "--subset", "seeded", "--out", g.toString()));
        refused(2, g, List.of("--subset does not apply without --samples"), cmd("grad", "--data", dd, "--subset",
                "seeded", "--out", g.toString()));
        refused(2, g, List.of("--allow-nonfinite does not apply without an input file"), cmd("grad", "--dataset",
                "teacher", "--allow-nonfinite", "--out", g.toString()));
        Path v = dir.resolve("V.npz");
        refused(2, v, List.of("--probes does not apply to --method full"), cmd("spectrum", "--data", dd,
                "--method", "full", "--probes", "3", "--save-vectors", v.toString()));
        refused(2, v, List.of("--batch does not apply to --method lanczos"), cmd("spectrum", "--data", dd,
                "--batch", "4", "--save-vectors", v.toString()));
        refused(2, v, List.of("--save-vectors does not apply to --method slq"), cmd("spectrum", "--data", dd,
                "--method", "slq", "--save-vectors", v.toString()));
        refused(2, v, List.of("--all does not apply to --method lanczos"), cmd("spectrum", "--data", dd, "--all"));
        Path w = dir.resolve("W.npz");
        assertEquals(0, CliTest.run(cmd("info", "--save-weights", w.toString())).code());
        refused(2, g, List.of("--seed does not apply with --weights and --data"), cmd("grad", "--weights", w.toString(),
                "--data", dd, "--seed", "3", "--out", g.toString()));
        refused(2, g, List.of("--seed does not apply with --weights"), cmd("info", "--weights", w.toString(), "--seed",
                "3", "--save-weights", g.toString()));
        Path run = dir.resolve("run");
        refused(2, run, List.of("--init-scale does not apply with --weights"), cmd("train", "--data", dd, "--weights",
                w.toString(), "--lr", "0.1", "--init-scale", "0.5", "--out", run.toString()));
        refused(2, run, List.of("--momentum does not apply to --opt gd"), cmd("train", "--data", dd, "--lr", "0.1",
                "--momentum", "0.5", "--out", run.toString()));
        refused(2, run, List.of("--betas does not apply to --opt momentum"), cmd("train", "--data", dd, "--lr",
                "0.1", "--opt", "momentum", "--betas", "0.8,0.9", "--out", run.toString()));
        refused(2, run, List.of("--batch does not apply to --opt adam"), cmd("train", "--data", dd, "--lr", "0.1",
                "--opt", "adam", "--batch", "4", "--out", run.toString()));
        refused(2, run, List.of("--eig-tol does not apply without --observe sharpness"), cmd("train", "--data", dd,
                "--lr", "0.1", "--eig-tol", "1e-3", "--out", run.toString()));
    }

    @Test
    void malformedValuesNameTheFlagAndTheForm() throws IOException {
        Path d = data();
        Path run = dir.resolve("run");
        String[] train = cmd("train", "--data", d.toString(), "--lr", "0.1", "--out", run.toString());
        refused(2, run, List.of("--observe", "EVERY a positive integer", "'x'", "sharpness:x"), cat(train, "--observe",
                "sharpness:x"));
        refused(2, run, List.of("--observe", "K a positive integer", "sharpness:5:0"), cat(train, "--observe",
                "sharpness:5:0"));
        refused(2, run, List.of("--observe eval takes no K"), cat(train, "--observe", "eval:5:3"));
        refused(2, run, List.of("--opt expects gd, momentum"), cat(train, "--opt", "lbfgs"));
        Path g = dir.resolve("G.npz");
        refused(2, g, List.of("--dtype must be f32 or f64", "'f16'"), cmd("grad", "--data", d.toString(),
                "--dtype", "f16", "--out", g.toString()));
        refused(2, g, List.of("--backend must be auto, cpu, cuda, ref or cuda-emu", "'gpu'"), "grad", "--widths",
                "3,5,2", "--backend", "gpu", "--data", d.toString(), "--out", g.toString());
        refused(2, g, List.of("--subset expects first, seeded or balanced", "'odd'"), cmd("grad", "--data",
                d.toString(), "--samples", "3", "--subset", "odd", "--out", g.toString()));
        refused(2, g, List.of("--method must be lanczos"), cmd("spectrum", "--data", d.toString(), "--method",
                "qr"));
        refused(2, g, List.of("--dtype must be f32 or f64"), "demo", "--dtype", "i32");
    }

    /** NaN or Inf in data or weights: refused with the array, the index and the value; the output is unchanged. */
    @Test
    void nonFiniteInputsAreRefused() throws IOException {
        var ex = Generated.teacherStudent(10, new int[] {3, 4, 2}, "tanh", 0.1, 1);
        double[] x = ex.x().toDoubles();
        x[7] = Double.NaN;
        Map<String, NdArray> arrays = new LinkedHashMap<>();
        arrays.put("x", NdArray.ofF64(x, 10, 3));
        arrays.put("y", ex.y());
        Path bad = dir.resolve("nan.npz");
        Npz.write(arrays, bad, false);
        Path g = dir.resolve("G.npz");
        Files.write(g, new byte[] {1, 2, 3});
        refused(1, g, List.of("data file " + bad, "array 'x'", "NaN at index 7 [2, 1]", "--allow-nonfinite"),
                cmd("grad", "--data", bad.toString(), "--out", g.toString()));
        Result allowed = CliTest.run(cmd("grad", "--data", bad.toString(), "--allow-nonfinite", "--out",
                dir.resolve("G2.npz").toString()));
        assertEquals(0, allowed.code(), allowed.err());

        Path w = dir.resolve("W.npz");
        assertEquals(0, CliTest.run(cmd("info", "--save-weights", w.toString())).code());
        Map<String, NdArray> weights = new LinkedHashMap<>(Npz.read(w));
        double[] w1 = weights.get("layers.1.weight").toDoubles();
        w1[4] = Double.NEGATIVE_INFINITY;
        weights.put("layers.1.weight", NdArray.ofF64(w1, 2, 5));
        Path badW = dir.resolve("inf.npz");
        Npz.write(weights, badW, false);
        Path hv = dir.resolve("HV.npz");
        refused(1, hv, List.of("weights file " + badW, "array 'layers.1.weight'", "-Infinity at index 4 [0, 4]"),
                cmd("hvp", "--data", data().toString(), "--weights", badW.toString(), "--vector", w.toString(),
                        "--out", hv.toString()));
        refused(1, hv, List.of("vector file " + badW, "array 'layers.1.weight'"), cmd("hvp", "--data",
                data().toString(), "--vector", badW.toString(), "--out", hv.toString()));
    }

    /** --method full refuses before any work when its P x P matrices cannot fit, naming the estimate and the alternatives. */
    @Test
    void fullSpectrumThatCannotFitIsRefused() throws IOException {
        Path v = dir.resolve("V.npz");
        Result r = refused(2, v, List.of("--method full on P = 302001 parameters", "GB", "--method lanczos",
                "--method slq"), "spectrum", "--widths", "300,1000,1", "--backend", "ref", "--dataset", "teacher",
                "--samples", "4", "--method", "full", "--save-vectors", v.toString());
        assertTrue(r.err().contains("three P x P matrices"), r.err());
        SpectrumCommand.checkFullFits(100, 8, false, 2 * 100 * 100 * 8);
        org.junit.jupiter.api.Assertions.assertThrows(FlagException.class,
                () -> SpectrumCommand.checkFullFits(100, 8, false, 2 * 100 * 100 * 8 - 1));
    }

    /** An observable that cannot apply is refused before the run folder is made. */
    @Test
    void observableThatCannotApplyIsRefusedBeforeAnyFile() throws IOException {
        Path run = dir.resolve("tf");
        refused(2, run, List.of("--observe e2e needs --model mlp or linear"), "train", "--model", "transformer",
                "--vocab", "7", "--ctx", "4", "--d-model", "8", "--backend", "ref", "--dataset", "modular", "--lr",
                "0.1", "--steps", "2", "--observe", "e2e:1", "--out", run.toString());
        refused(2, run, List.of("--observe e2e needs a network without biases", "layers.0.bias"), cmd("train", "--data", data().toString(), "--lr", "0.1", "--steps", "2", "--observe", "e2e:1", "--out",
                run.toString()));
        Result lin = CliTest.run("train", "--model", "linear", "--widths", "3,5,2", "--backend", "ref", "--data",
                data().toString(), "--lr", "0.05", "--steps", "2", "--param", "mup", "--base-width", "2", "--alpha",
                "2", "--observe", "e2e:1", "--out", run.toString());
        assertEquals(0, lin.code(), lin.err());
    }

    /** grad, hvp, spectrum and train say in --help how the shape of y picks the transformer's loss. */
    @Test
    void helpSaysHowTheTargetShapePicksTheTransformerLoss() {
        for (String c : List.of("grad", "hvp", "spectrum", "train")) {
            Result h = CliTest.run(c, "--help");
            assertEquals(0, h.code());
            String flat = h.out().replaceAll("\\s+", " ");
            assertTrue(flat.contains("y [B] is the cross-entropy of the last position") && flat.contains("y [B, t]"),
                    c + ": " + h.out());
        }
    }
}
