package carnot.engine.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A run folder belongs to one run: {@link #claim} refuses a folder that already holds files (naming them) unless
 * the caller asked to overwrite it, in which case its contents are removed first. {@link #refuseIfUsed} is the same
 * check without any change, for commands that validate everything before they write; {@link #removeTempFiles}
 * removes the temp files a killed {@link AtomicFiles#write} leaves behind.
 */
public final class RunFolder {
    private RunFolder() {
    }

    /**
     * Makes {@code dir} an empty folder for a new run.
     *
     * @param dir       the run folder (created if missing)
     * @param overwrite remove what is there instead of refusing
     * @param flag      the flag that names the folder, for the message (e.g. {@code --out})
     * @throws IllegalArgumentException if {@code dir} is a file, or is a non-empty folder and {@code overwrite} is false
     */
    public static void claim(Path dir, boolean overwrite, String flag) {
        claim(dir, overwrite, flag, "");
    }

    /**
     * {@link #claim(Path, boolean, String)} with {@code hint} appended to the refusal (e.g. {@code "or --resume to
     * continue the run in it"}).
     */
    public static void claim(Path dir, boolean overwrite, String flag, String hint) {
        refuseIfUsed(dir, overwrite, flag, hint);
        try {
            if (overwrite) {
                clear(dir);
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + flag + " " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses, changing nothing, what {@link #claim(Path, boolean, String, String)} would refuse: {@code dir} is a
     * file, or a non-empty folder while {@code overwrite} is false. The message names up to six entries.
     */
    public static void refuseIfUsed(Path dir, boolean overwrite, String flag, String hint) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(flag + " " + dir + " is a file, not a folder");
        }
        List<String> there;
        try {
            there = contents(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + flag + " " + dir + ": " + e.getMessage(), e);
        }
        if (!there.isEmpty() && !overwrite) {
            throw new IllegalArgumentException(flag + " " + dir + " is not empty (holds "
                    + String.join(", ", there.subList(0, Math.min(6, there.size())))
                    + (there.size() > 6 ? ", … " + there.size() + " entries" : "")
                    + "); pass --overwrite to clear it" + (hint.isEmpty() ? "" : ", " + hint));
        }
    }

    /** The names of the entries of {@code dir}, sorted (empty when it does not exist). */
    public static List<String> contents(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.map(p -> p.getFileName().toString()).sorted().forEach(names::add);
            }
        }
        return names;
    }

    /**
     * Deletes the temp files of interrupted {@link AtomicFiles#write}s in {@code dir} and its sub-folders (they are
     * never a complete file: the target is the previous version or absent); returns their paths relative to
     * {@code dir}, sorted.
     */
    public static List<String> removeTempFiles(Path dir) {
        List<String> removed = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return removed;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(f -> Files.isRegularFile(f) && AtomicFiles.isTemp(f)).sorted().toList()) {
                Files.deleteIfExists(p);
                removed.add(dir.relativize(p).toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove temp files in " + dir + ": " + e.getMessage(), e);
        }
        return removed;
    }

    private static void clear(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.delete(p);
                }
            }
        }
    }
}
