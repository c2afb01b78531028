package carnot.cli;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code carnot train} in process: files written, determinism, bitwise resume, divergence exit code. */
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
        Run wrong = run(b, "--opt", "adam", "--lr", "0.02", "--steps", "20", "--resume");
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().contains("same flags"), wrong.err());
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
}
