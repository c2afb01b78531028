package carnot.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code carnot train} in process: files written, determinism, bitwise resume, divergence exit code, and the run
 * folder rules (a used folder refused unless --overwrite; --resume only into a run of the same configuration).
 */
class TrainCommandTest {
    private static final String[] BASE = {"train", "--model", "mlp", "--widths", "4,16,16,2", "--dataset", "teacher",
        "--samples", "64", "--backend", "cpu", "--seed", "3"};

    private record Run(int code, String out, String err) {
    }

    private static Run run(Path dir, String... extra) {
        List<String> args = new ArrayList<>(List.of(BASE));
        args.addAll(List.of(extra));
        args.addAll(List.of("--out", dir.toString()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                args.toArray(String[]::new));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A run writes config (with the table), metrics, checkpoints and plots; the same command twice is bitwise equal. */
    @Test
    void writesRunFolderDeterministically(@TempDir Path tmp) throws Exception {
        String[] flags = {"--opt", "momentum", "--lr", "0.05", "--steps", "20", "--param", "mup", "--base-width", "8",
            "--observe", "sharpness:5:2,move:10,eval:10", "--checkpoint-every", "10"};
        Run a = run(tmp.resolve("a"), flags);
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().contains("parameterization mup") && a.out().contains("layers.2.weight"), a.out());
        Path d = tmp.resolve("a");
        for (String f : List.of("config.json", "metrics.jsonl", "metrics.csv", "loss.png", "sharpness.png", "eigs.png",
                "checkpoints/step-00000010.npz", "checkpoints/step-00000020.npz")) {
            assertTrue(Files.exists(d.resolve(f)), f);
        }
        assertTrue(Files.readString(d.resolve("config.json")).contains("\"lr_mult\""));
        assertEquals(21, Files.readAllLines(d.resolve("metrics.jsonl")).size());
        assertTrue(Files.readAllLines(d.resolve("metrics.csv")).getFirst().startsWith("step,lr,loss,grad_norm,sharpness,"));
        Run b = run(tmp.resolve("b"), flags);
        assertEquals(0, b.code(), b.err());
        assertEquals(Files.readString(d.resolve("metrics.jsonl")), Files.readString(tmp.resolve("b/metrics.jsonl")));
    }

    /** Resuming from the step-10 checkpoint reproduces the uninterrupted run's metrics bitwise (Adam state included). */
    @Test
    void resumeIsBitwise(@TempDir Path tmp) throws Exception {
        String[] flags = {"--opt", "adam", "--lr", "0.01", "--steps", "20", "--observe", "sharpness:5", "--checkpoint-every", "10"};
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        assertEquals(0, run(a, flags).code());
        assertEquals(0, run(b, flags).code());
        Files.delete(b.resolve("checkpoints/step-00000020.npz"));
        List<String> partial = Files.readAllLines(b.resolve("metrics.jsonl")).subList(0, 13);
        Files.write(b.resolve("metrics.jsonl"), partial);
        List<String> flagsResume = new ArrayList<>(List.of(flags));
        flagsResume.add("--resume");
        Run r = run(b, flagsResume.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("resuming at step 10"), r.out());
        assertEquals(Files.readString(a.resolve("metrics.jsonl")), Files.readString(b.resolve("metrics.jsonl")));
        assertEquals(Files.readString(a.resolve("metrics.csv")), Files.readString(b.resolve("metrics.csv")));
        Map<String, byte[]> before = snapshot(b);
        Run wrong = run(b, "--opt", "adam", "--lr", "0.02", "--steps", "20", "--resume");
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().contains("holds a run of another configuration; flags that differ: --lr: 0.02 in this "
                + "command, 0.01 in " + b.resolve("config.json") + "; --observe: (empty) "), wrong.err());
        assertSameFiles(before, snapshot(b));
    }

    /** Every regular file under dir (relative path to bytes), to show that a refusal changed nothing. */
    private static Map<String, byte[]> snapshot(Path dir) throws Exception {
        Map<String, byte[]> m = new TreeMap<>();
        try (var s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    private static void assertSameFiles(Map<String, byte[]> before, Map<String, byte[]> after) {
        assertEquals(before.keySet(), after.keySet(), "files");
        before.forEach((k, v) -> assertArrayEquals(v, after.get(k), k));
    }

    /** A new run refuses a used folder, naming what is there and changing nothing; --overwrite clears it first. */
    @Test
    void newRunRefusesUsedFolderUnlessOverwrite(@TempDir Path tmp) throws Exception {
        Path d = tmp.resolve("used");
        Files.createDirectories(d.resolve("checkpoints"));
        Files.writeString(d.resolve("notes.txt"), "keep me");
        Map<String, byte[]> before = snapshot(d);
        Run r = run(d, "--lr", "0.05", "--steps", "3");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("--out " + d + " is not empty (holds checkpoints, notes.txt); pass --overwrite to "
                + "clear it, or --resume to continue the run in it"), r.err());
        assertSameFiles(before, snapshot(d));
        Run bad = run(d, "--lr", "0.05", "--steps", "3", "--overwrite", "--resume");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("--resume continues the run in --out and --overwrite clears it"), bad.err());
        assertSameFiles(before, snapshot(d));
        Run ok = run(d, "--lr", "0.05", "--steps", "3", "--overwrite");
        assertEquals(0, ok.code(), ok.err());
        assertFalse(Files.exists(d.resolve("notes.txt")));
        assertTrue(Files.exists(d.resolve("checkpoints/step-00000003.npz")));
        assertTrue(Files.readString(d.resolve("config.json")).contains("\"--lr\": \"0.05\""));
    }

    /** --resume without a run there, or a run without checkpoints: a clear error, nothing written. */
    @Test
    void resumeNeedsARunWithACheckpoint(@TempDir Path tmp) throws Exception {
        Path none = tmp.resolve("none");
        Run r = run(none, "--lr", "0.05", "--steps", "3", "--resume");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--resume: " + none + " holds no config.json"), r.err());
        assertFalse(Files.exists(none));
        Path d = tmp.resolve("d");
        assertEquals(0, run(d, "--lr", "0.05", "--steps", "3").code());
        try (var s = Files.list(d.resolve("checkpoints"))) {
            for (Path f : s.toList()) {
                Files.delete(f);
            }
        }
        Map<String, byte[]> before = snapshot(d);
        r = run(d, "--lr", "0.05", "--steps", "3", "--resume");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--resume: " + d + " has no checkpoint (checkpoints/step-N.npz); the run stopped "
                + "before its first checkpoint: start it again with --overwrite"), r.err());
        assertSameFiles(before, snapshot(d));
    }

    /**
     * A checkpoint copied in from another run (another --seed) is refused, naming --seed with both values, even
     * though config.json matches; nothing is changed.
     */
    @Test
    void checkpointOfAnotherRunIsNeverLoaded(@TempDir Path tmp) throws Exception {
        Path a = tmp.resolve("a");
        Path other = tmp.resolve("other");
        assertEquals(0, run(a, "--lr", "0.05", "--steps", "4", "--checkpoint-every", "2").code());
        List<String> flags = new ArrayList<>(List.of(BASE));
        flags.set(flags.indexOf("--seed") + 1, "5");
        flags.addAll(List.of("--lr", "0.05", "--steps", "4", "--checkpoint-every", "2", "--out", other.toString()));
        assertEquals(0, Main.run(System.out, System.err, flags.toArray(String[]::new)));
        Files.copy(other.resolve("checkpoints/step-00000004.npz"), a.resolve("checkpoints/step-00000004.npz"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Map<String, byte[]> before = snapshot(a);
        Run r = run(a, "--lr", "0.05", "--steps", "4", "--checkpoint-every", "2", "--resume");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("checkpoint " + a.resolve("checkpoints/step-00000004.npz") + " was made by another "
                + "configuration; flags that differ: --seed: 3 in this command, 5 in the checkpoint"), r.err());
        assertSameFiles(before, snapshot(a));
    }

    /**
     * --steps is outside the fingerprint of a schedule that does not depend on it: continuing a 6-step run to 10
     * steps gives bitwise the 10-step run. Under --schedule cosine it is inside, and a change is refused by name.
     */
    @Test
    void resumeMayExtendStepsUnlessTheScheduleDependsOnThem(@TempDir Path tmp) throws Exception {
        String[] flags = {"--opt", "adam", "--lr", "0.01", "--observe", "sharpness:3", "--checkpoint-every", "4"};
        Path longer = tmp.resolve("long");
        Path cont = tmp.resolve("cont");
        assertEquals(0, run(longer, concat(flags, "--steps", "10")).code());
        assertEquals(0, run(cont, concat(flags, "--steps", "6")).code());
        Run r = run(cont, concat(flags, "--steps", "10", "--resume"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("resuming at step 6"), r.out());
        for (String f : List.of("metrics.jsonl", "metrics.csv")) {
            assertEquals(Files.readString(longer.resolve(f)), Files.readString(cont.resolve(f)), f);
        }
        Path cos = tmp.resolve("cos");
        assertEquals(0, run(cos, concat(flags, "--steps", "6", "--schedule", "cosine")).code());
        Map<String, byte[]> before = snapshot(cos);
        Run c = run(cos, concat(flags, "--steps", "10", "--schedule", "cosine", "--resume"));
        assertEquals(1, c.code());
        assertTrue(c.err().contains("flags that differ: --steps: 10 in this command, 6 in " + cos.resolve("config.json")),
                c.err());
        assertSameFiles(before, snapshot(cos));
    }

    private static String[] concat(String[] a, String... b) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(b));
        return l.toArray(String[]::new);
    }

    /** A huge learning rate diverges: exit code 3, message with the step, earlier checkpoint kept, none after. */
    @Test
    void divergenceExitsNonZeroNamingStep(@TempDir Path tmp) {
        Run r = run(tmp.resolve("d"), "--lr", "500", "--steps", "50", "--checkpoint-every", "1");
        assertEquals(3, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("diverged at step "), r.err());
        assertTrue(Files.exists(tmp.resolve("d/checkpoints/step-00000001.npz")));
        assertFalse(Files.exists(tmp.resolve("d/checkpoints/step-00000050.npz")));
    }

    /** Classification run with neural collapse and feature observables: values are written and finite. */
    @Test
    void collapseAndFeatureObservables(@TempDir Path tmp) throws Exception {
        Path d = tmp.resolve("nc");
        Run r = Main.run(System.out, System.err, "train", "--model", "mlp", "--widths", "4,16,3", "--dataset", "mixture",
                "--samples", "60", "--loss", "mse", "--lr", "0.2", "--steps", "10", "--observe", "nc:5,features:5:30",
                "--out", d.toString()) == 0 ? new Run(0, "", "") : new Run(1, "", "");
        assertEquals(0, r.code());
        List<String> csv = Files.readAllLines(d.resolve("metrics.csv"));
        assertTrue(csv.getFirst().endsWith("nc1,nc2_norm,nc2_angle,nc3,nc4,feature_move,cka_init,agop_align"), csv.getFirst());
        String[] first = csv.get(1).split(",", -1);
        assertEquals("0", first[first.length - 3], "features have not moved at step 0");
        assertEquals("1", first[first.length - 2], "CKA with itself is 1");
        String[] last = csv.getLast().split(",", -1);
        for (int i = last.length - 8; i < last.length; i++) {
            assertTrue(Double.isFinite(Double.parseDouble(last[i])), csv.getLast());
        }
    }

    /** With the held-out set equal to the training set, the held-out loss equals the training loss at every eval. */
    @Test
    void heldOutEvaluationOnTheSameBackend(@TempDir Path tmp) throws Exception {
        Path d = tmp.resolve("ev");
        assertEquals(0, Main.run(System.out, System.err, "train", "--model", "mlp", "--widths", "4,16,3", "--dataset",
                "mixture", "--test-dataset", "mixture", "--samples", "60", "--standardize", "--loss", "ce", "--lr", "0.2",
                "--steps", "10", "--observe", "eval:5", "--out", d.toString()));
        List<String> csv = Files.readAllLines(d.resolve("metrics.csv"));
        assertEquals("step,lr,loss,grad_norm,train_acc,test_loss,test_acc", csv.getFirst());
        for (String row : List.of(csv.get(1), csv.get(6), csv.get(11))) {
            String[] f = row.split(",", -1);
            assertEquals(Double.parseDouble(f[2]), Double.parseDouble(f[5]), 1e-12, row);
            assertEquals(f[4], f[6], row);
        }
    }

    /** Every optimizer, every preset and RK4 flow run from the command line and lower the loss in 5 steps. */
    @Test
    void everyOptimizerPresetAndFlowLowersTheLoss(@TempDir Path tmp) throws Exception {
        List<String[]> variants = new ArrayList<>();
        for (String opt : List.of("gd", "momentum", "nesterov", "sgd", "adam", "adamw")) {
            variants.add(opt.equals("sgd")
                    ? new String[] {"--opt", opt, "--lr", "0.05", "--batch", "16", "--weight-decay", "0.001"}
                    : new String[] {"--opt", opt, "--lr", opt.startsWith("adam") ? "0.01" : "0.05", "--weight-decay", "0.001"});
        }
        for (String p : List.of("sp", "ntp", "mup", "mf", "depth-mup")) {
            variants.add(new String[] {"--param", p, "--base-width", "8", "--lr", "0.05", "--schedule", "warmup:2"});
        }
        variants.add(new String[] {"--flow", "0.5", "--lr", "0.2", "--alpha", "2", "--centered", "--schedule", "cosine"});
        int i = 0;
        for (String[] v : variants) {
            List<String> flags = new ArrayList<>(List.of(v));
            flags.addAll(List.of("--steps", "5"));
            Path d = tmp.resolve("v" + i++);
            Run r = run(d, flags.toArray(String[]::new));
            assertEquals(0, r.code(), String.join(" ", v) + "\n" + r.err());
            List<String> csv = Files.readAllLines(d.resolve("metrics.csv"));
            double first = Double.parseDouble(csv.get(1).split(",")[2]);
            double last = Double.parseDouble(csv.getLast().split(",")[2]);
            if (!v[1].equals("sgd")) {
                assertTrue(last < first, String.join(" ", v) + ": loss " + first + " -> " + last);
            }
        }
    }

    @Test
    void badObserveSpecIsAnError(@TempDir Path tmp) {
        Run r = run(tmp.resolve("x"), "--lr", "0.1", "--observe", "nonsense:3");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown observable 'nonsense'"), r.err());
    }

    /**
     * {@code carnot train --backend cuda-emu} (the CUDA backend on the host emulation) runs end to end — Adam, sharpness
     * and movement observables, checkpoints — and its losses equal the CPU run's to 1e-12 relative (f64).
     */
    @Test
    void cudaEmuRunMatchesTheCpuRun(@TempDir Path tmp) throws Exception {
        List<List<String>> csv = new ArrayList<>();
        for (String be : List.of("cpu", "cuda-emu")) {
            Path d = tmp.resolve(be);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Main.run(System.out, new PrintStream(err, true, StandardCharsets.UTF_8), "train", "--model", "mlp",
                    "--widths", "4,16,16,2", "--dataset", "teacher", "--samples", "64", "--seed", "3", "--dtype", "f64",
                    "--backend", be, "--opt", "adam", "--lr", "0.01", "--steps", "15", "--observe", "sharpness:5,move:5",
                    "--checkpoint-every", "10", "--out", d.toString());
            assertEquals(0, code, be + ": " + err.toString(StandardCharsets.UTF_8));
            assertTrue(Files.exists(d.resolve("checkpoints/step-00000010.npz")), be);
            csv.add(Files.readAllLines(d.resolve("metrics.csv")));
        }
        List<String> cpu = csv.get(0);
        List<String> emu = csv.get(1);
        assertEquals(cpu.getFirst(), emu.getFirst());
        assertEquals(17, emu.size());
        List<String> cols = List.of(cpu.getFirst().split(","));
        int loss = cols.indexOf("loss");
        int sharp = cols.indexOf("sharpness");
        for (int i = 1; i < cpu.size(); i++) {
            String[] a = cpu.get(i).split(",", -1);
            String[] b = emu.get(i).split(",", -1);
            double la = Double.parseDouble(a[loss]);
            assertEquals(la, Double.parseDouble(b[loss]), 1e-12 * la, "loss at row " + i);
            if (!a[sharp].isEmpty()) {
                double sa = Double.parseDouble(a[sharp]);
                assertEquals(sa, Double.parseDouble(b[sharp]), 1e-9 * sa, "sharpness at row " + i);
            }
        }
    }

    /**
     * --master model keeps the optimizer's weights in the model's dtype: an f32 run's checkpointed weights are then
     * f32 values (each equals its float rounding), while f64 master weights are not; a bad value is refused with exit 2.
     */
    @Test
    void masterWeightsInTheModelDtype(@TempDir Path tmp) throws Exception {
        int[] notFloat = new int[2];
        String[] masters = {"f64", "model"};
        for (int k = 0; k < 2; k++) {
            Path d = tmp.resolve(masters[k]);
            assertEquals(0, Main.run(System.out, System.err, "train", "--model", "mlp", "--widths", "4,16,2", "--dataset",
                    "teacher", "--samples", "32", "--dtype", "f32", "--master", masters[k], "--lr", "0.1", "--steps", "5",
                    "--checkpoint-every", "5", "--out", d.toString()));
            var c = carnot.science.train.Checkpoint.load(d.resolve("checkpoints/step-00000005.npz"),
                    List.of("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"),
                    List.of(new int[] {16, 4}, new int[] {16}, new int[] {2, 16}, new int[] {2}));
            for (double v : c.weights()) {
                notFloat[k] += (double) (float) v == v ? 0 : 1;
            }
        }
        assertTrue(notFloat[0] > 0, "f64 master weights move off the float grid");
        assertEquals(0, notFloat[1], "model-dtype master weights stay f32 values");
        assertEquals(2, Main.run(System.out, System.err, "train", "--model", "mlp", "--widths", "4,16,2", "--dataset",
                "teacher", "--lr", "0.1", "--master", "f16", "--out", tmp.resolve("bad").toString()));
        assertFalse(Files.exists(tmp.resolve("bad")), "a refused command writes nothing");
    }
}
