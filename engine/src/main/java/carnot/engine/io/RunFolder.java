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
 * the caller asked to overwrite it, in which case its contents are removed first.
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
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new IllegalArgumentException(flag + " " + dir + " is a file, not a folder");
            }
            List<String> there = contents(dir);
            if (!there.isEmpty()) {
                if (!overwrite) {
                    throw new IllegalArgumentException(flag + " " + dir + " is not empty (holds "
                            + String.join(", ", there.subList(0, Math.min(6, there.size())))
                            + (there.size() > 6 ? ", … " + there.size() + " entries" : "")
                            + "); pass --overwrite to clear it, or --resume to continue the run in it");
                }
                clear(dir);
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + flag + " " + dir + ": " + e.getMessage(), e);
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

    private static void clear(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.delete(p);
                }
            }
        }
    }
}
