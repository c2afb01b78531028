package carnot.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.io.AtomicFiles;
import carnot.engine.io.NdArray;
import carnot.engine.io.Npz;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety, tested by killing: {@code carnot train} runs as a separate JVM (the flags of the {@code ./carnot}
 * script) and is killed with SIGKILL ({@link Process#destroyForcibly()}) at {@value #KILLS} points drawn by a
 * seeded RNG, each run after the first resuming with {@code --resume} (or, killed before its first checkpoint,
 * starting again with {@code --overwrite}, as the refusal says). The final {@code metrics.jsonl},
 * {@code metrics.csv} and every checkpoint must be bitwise equal to those of an uninterrupted run.
 *
 * <p>Kill points ({@link Aim}), drawn with their steps by the seed: some are timed into the measured start-up (JVM
 * start, data, the metrics rewrite of a resume); the others wait until the run prints a drawn step k (after record
 * k is written) and then kill as soon as a checkpoint temp file appears (a checkpoint write), as soon as
 * metrics.jsonl has grown but metrics.csv not yet (a metrics write; or, from the launch, as soon as the atomic
 * metrics rewrite of a start has its temp file), or after a drawn delay of up to 1.5 measured step times (update,
 * gradient, sharpness). After each kill the folder tells the phase really hit (a temp file of a
 * checkpoint or metrics rewrite, a torn metrics line, JSONL ahead of CSV, none of these); the distribution is
 * printed. The seed is {@code -Dcarnot.crash.seed} (default 11).
 */
class CrashResumeTest {
    static final int KILLS = 26;
    private static final int STEPS = 30;
    private static final String[] FLAGS = {"train", "--model", "mlp", "--widths", "4,128,128,2", "--dataset", "teacher",
        "--samples", "64", "--backend", "cpu", "--seed", "3", "--opt", "adam", "--lr", "0.01", "--steps",
        String.valueOf(STEPS), "--observe", "sharpness:5", "--checkpoint-every", "1", "--print-every", "1"};

    private static List<String> command(Path out, String... extra) {
        List<String> c = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC",
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), "carnot.cli.Main"));
        c.addAll(List.of(FLAGS));
        c.addAll(List.of(extra));
        c.addAll(List.of("--out", out.toString()));
        return c;
    }

    private static Process start(Path out, Path log, String... extra) throws IOException {
        return new ProcessBuilder(command(out, extra)).redirectError(log.toFile()).start();
    }

    /** The step of a progress line "step K/T ...", or -1. */
    private static long stepOf(String line) {
        if (!line.startsWith("step ")) {
            return -1;
        }
        int slash = line.indexOf('/');
        return slash < 0 ? -1 : Long.parseLong(line.substring(5, slash));
    }

    @Test
    @Timeout(value = 1200, unit = TimeUnit.SECONDS)
    void killedAndResumedRunIsBitwiseTheUninterruptedRun(@TempDir Path tmp) throws Exception {
        long seed = Long.getLong("carnot.crash.seed", 11);
        Path ref = tmp.resolve("ref");
        Path run = tmp.resolve("run");

        // the uninterrupted run, timing its start-up and its steps
        long t0 = System.nanoTime();
        Process p = start(ref, tmp.resolve("ref.log"));
        long firstStep = -1;
        long lastStep = -1;
        try (BufferedReader r = reader(p)) {
            for (String line; (line = r.readLine()) != null; ) {
                long s = stepOf(line);
                if (s == 0) {
                    firstStep = System.nanoTime();
                } else if (s == STEPS) {
                    lastStep = System.nanoTime();
                }
            }
        }
        assertEquals(0, p.waitFor(), () -> log(tmp.resolve("ref.log")));
        assertTrue(firstStep > 0 && lastStep > firstStep, "reference run printed its steps");
        long startup = firstStep - t0;
        long stepTime = (lastStep - firstStep) / STEPS;

        SplittableRandom rng = new SplittableRandom(seed);
        Aim[] aims = new Aim[KILLS];
        long[] targets = new long[KILLS];
        for (int i = 0; i < KILLS; i++) {
            double u = rng.nextDouble();
            aims[i] = u < 0.15 ? Aim.START_UP : u < 0.45 ? Aim.CHECKPOINT : u < 0.75 ? Aim.METRICS : Aim.DELAY;
            targets[i] = rng.nextLong(STEPS);
        }
        Arrays.sort(targets);
        Map<String, Integer> phases = new TreeMap<>();
        int kills = 0;
        int restarts = 0;
        List<String> trail = new ArrayList<>();
        for (int i = 0; i < KILLS; i++) {
            boolean resumable = !checkpointless(run);
            Path log = tmp.resolve("run-" + i + ".log");
            Object metricsFile = fileKey(run.resolve("metrics.jsonl"));
            Process q = start(run, log, resumable ? "--resume" : "--overwrite");
            restarts += resumable ? 0 : 1;
            boolean alive;
            if (aims[i] == Aim.START_UP) {
                LockSupport.parkNanos((long) (startup * (0.3 + 0.8 * rng.nextDouble())));
                alive = q.isAlive();
                q.destroyForcibly();
            } else if (aims[i] == Aim.METRICS && rng.nextBoolean() && awaitMetricsRewrite(run, metricsFile, q, 2 * startup)) {
                alive = q.isAlive();
                q.destroyForcibly();
            } else {
                long delay = (long) (stepTime * 1.5 * rng.nextDouble());
                try (BufferedReader r = reader(q)) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (stepOf(line) >= targets[i]) {
                            switch (aims[i]) {
                                case CHECKPOINT -> awaitCheckpointWrite(run, 3 * stepTime);
                                case METRICS -> awaitMetricsWrite(run, 3 * stepTime);
                                default -> spin(delay);
                            }
                            break;
                        }
                    }
                    alive = q.isAlive();
                    q.destroyForcibly();
                }
            }
            q.waitFor();
            if (alive) {
                kills++;
                String phase = phase(run);
                phases.merge(phase, 1, Integer::sum);
                trail.add(aims[i] + (aims[i] == Aim.START_UP ? "" : " after step " + targets[i]) + " -> " + phase);
            }
        }
        Path last = tmp.resolve("final.log");
        Process f = start(run, last, checkpointless(run) ? "--overwrite" : "--resume");
        try (BufferedReader r = reader(f)) {
            r.transferTo(java.io.Writer.nullWriter());
        }
        assertEquals(0, f.waitFor(), () -> log(last));
        System.out.printf("CrashResumeTest seed %d: %d kills (start-up %.2f s, step %.1f ms), %d restarts before a "
                + "first checkpoint; phases hit %s%n  %s%n", seed, kills, startup * 1e-9, stepTime * 1e-6, restarts,
                phases, String.join("\n  ", trail));

        assertTrue(kills >= 20, "at least 20 kills landed in a live run; " + kills + " did: " + trail);
        for (String file : List.of("metrics.jsonl", "metrics.csv")) {
            assertEquals(Files.readString(ref.resolve(file)), Files.readString(run.resolve(file)), file);
        }
        List<Path> refCheckpoints = files(ref.resolve("checkpoints"));
        assertEquals(STEPS, refCheckpoints.size());
        assertEquals(refCheckpoints.stream().map(Path::getFileName).toList(),
                files(run.resolve("checkpoints")).stream().map(Path::getFileName).toList(), "checkpoint files");
        for (Path c : refCheckpoints) {
            assertSameArrays(c, run.resolve("checkpoints").resolve(c.getFileName()));
        }
        try (Stream<Path> s = Files.walk(run)) {
            assertEquals(List.of(), s.filter(AtomicFiles::isTemp).toList(), "temp files left");
        }
    }

    /** Where a kill is aimed. */
    private enum Aim {
        /** a drawn time into the launch's measured start-up */
        START_UP,
        /** the first moment a checkpoint temp file is seen after the drawn step */
        CHECKPOINT,
        /**
         * half the time the first moment a temp file of the metrics rewrite at start-up is seen; else (or if none
         * is seen) the first moment metrics.jsonl has grown and metrics.csv not yet, after the drawn step
         */
        METRICS,
        /** a drawn delay of up to 1.5 step times after the drawn step */
        DELAY
    }

    /** Returns as soon as checkpoints/ holds a temp file (a checkpoint is being written), or after {@code timeout}. */
    private static void awaitCheckpointWrite(Path run, long timeout) throws IOException {
        Path d = run.resolve("checkpoints");
        long end = System.nanoTime() + timeout;
        while (System.nanoTime() < end) {
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.list(d)) {
                if (s.anyMatch(AtomicFiles::isTemp)) {
                    return;
                }
            }
        }
    }

    /**
     * True as soon as the run folder holds a temp file of metrics.jsonl or metrics.csv; false once metrics.jsonl is
     * another file than {@code before} (the rewrite is done), or after {@code timeout}.
     */
    private static boolean awaitMetricsRewrite(Path run, Object before, Process q, long timeout) throws IOException {
        long end = System.nanoTime() + timeout;
        while (System.nanoTime() < end && q.isAlive()) {
            Object now = fileKey(run.resolve("metrics.jsonl"));
            if (now != null && !now.equals(before)) {
                return false;
            }
            if (!Files.isDirectory(run)) {
                continue;
            }
            try (Stream<Path> s = Files.list(run)) {
                if (s.anyMatch(f -> AtomicFiles.isTemp(f) && f.getFileName().toString().startsWith(".metrics"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The file system's identity (inode) of {@code f}, or null if it does not exist. */
    private static Object fileKey(Path f) {
        try {
            return Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Returns as soon as metrics.jsonl has grown while metrics.csv has not (a record is being written), or after {@code timeout}. */
    private static void awaitMetricsWrite(Path run, long timeout) throws IOException {
        Path j = run.resolve("metrics.jsonl");
        Path c = run.resolve("metrics.csv");
        long j0 = Files.size(j);
        long c0 = Files.size(c);
        long end = System.nanoTime() + timeout;
        while (System.nanoTime() < end) {
            long jn = Files.size(j);
            long cn = Files.size(c);
            if (jn > j0 && cn == c0) {
                return;
            }
            if (cn > c0) {
                j0 = jn;
                c0 = cn;
            }
        }
    }

    /** The phase a kill interrupted, read from what it left in the run folder. */
    private static String phase(Path run) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(run)) {
            all = s.filter(Files::isRegularFile).toList();
        }
        for (Path f : all) {
            if (AtomicFiles.isTemp(f)) {
                String n = f.getFileName().toString();
                return n.startsWith(".step-") ? "checkpoint write" : n.startsWith(".metrics") ? "metrics rewrite"
                        : n.startsWith(".config") ? "config.json write" : "plot write";
            }
        }
        if (!Files.exists(run.resolve("config.json"))) {
            return "before config.json";
        }
        Path j = run.resolve("metrics.jsonl");
        Path c = run.resolve("metrics.csv");
        if (!Files.exists(j) || !Files.exists(c)) {
            return "before the metrics files";
        }
        String js = Files.readString(j);
        String cs = Files.readString(c);
        if (!js.isEmpty() && !js.endsWith("\n") || !cs.endsWith("\n")) {
            return "metrics line write (torn line)";
        }
        if (js.lines().count() != cs.lines().count() - 1) {
            return "metrics write (JSONL ahead of CSV)";
        }
        if (checkpointless(run)) {
            return "before the first checkpoint";
        }
        return "between writes (update, gradient, sharpness)";
    }

    /** True when the run folder has no checkpoint file to resume from. */
    private static boolean checkpointless(Path run) throws IOException {
        Path d = run.resolve("checkpoints");
        if (!Files.isDirectory(d)) {
            return true;
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.noneMatch(f -> f.getFileName().toString().matches("step-\\d+\\.npz"));
        }
    }

    private static void assertSameArrays(Path a, Path b) {
        Map<String, NdArray> x = Npz.read(a);
        Map<String, NdArray> y = Npz.read(b);
        assertEquals(x.keySet(), y.keySet(), b.toString());
        for (String k : x.keySet()) {
            NdArray u = x.get(k);
            NdArray v = y.get(k);
            assertEquals(u.dtype(), v.dtype(), b + " " + k);
            assertArrayEquals(u.shape(), v.shape(), b + " " + k);
            boolean same = switch (u.dtype()) {
                case F64 -> Arrays.equals((double[]) u.data(), (double[]) v.data());
                case F32 -> Arrays.equals((float[]) u.data(), (float[]) v.data());
                case I32 -> Arrays.equals((int[]) u.data(), (int[]) v.data());
                case I64 -> Arrays.equals((long[]) u.data(), (long[]) v.data());
            };
            assertTrue(same, b + ": array " + k + " differs bitwise from the uninterrupted run");
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> !AtomicFiles.isTemp(f)).sorted().toList();
        }
    }

    private static BufferedReader reader(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    private static String log(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return "(no log " + f + ")";
        }
    }
}
