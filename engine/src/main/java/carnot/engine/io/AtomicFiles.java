package carnot.engine.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes files so that a reader never sees a partial one and a failure leaves no file: the bytes go to a temp file
 * in the target's folder, which is then moved over the target (atomically where the file system allows).
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes {@code bytes} to {@code target}; on any failure the target is untouched and the temp file removed. */
    public static void write(Path target, byte[] bytes) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            if (Files.isDirectory(abs)) {
                throw new UncheckedIOException(new IOException("cannot write " + target + ": it is a folder"));
            }
            if (dir != null && !Files.isDirectory(dir)) {
                throw new UncheckedIOException(new IOException("cannot write " + target + ": folder " + dir
                        + " does not exist"));
            }
            tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temp file is hidden and named after the target; nothing more can be done here
                }
            }
        }
    }
}
