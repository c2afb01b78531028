package carnot.engine.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes files so that a reader never sees a partial one and a failure leaves no file: the bytes go to a temp file
 * in the target's folder, named {@code .NAME<digits>.tmp}, which is then moved over the target (atomically where the
 * file system allows). A process killed at any point leaves the target either as it was or complete, plus at most
 * one such temp file ({@link #isTemp}; {@link RunFolder#removeTempFiles} removes them). The bytes are not forced to
 * the device: the guarantee covers a killed process, not a power loss on every file system.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** True for a temp file name this class creates: {@code .NAME<digits>.tmp}. */
    public static boolean isTemp(Path file) {
        return file.getFileName().toString().matches("\\..+[0-9]+\\.tmp");
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
            tmp = createTemp(abs);
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

    /**
     * Creates {@code .NAME<digits>.tmp} next to {@code target} with the permissions the process gives new files
     * (unlike {@link Files#createTempFile}, which makes them private to the owner).
     */
    private static Path createTemp(Path target) throws IOException {
        long n = ProcessHandle.current().pid() * 1_000_003L + System.nanoTime();
        for (int attempt = 0; ; attempt++) {
            Path tmp = target.resolveSibling("." + target.getFileName() + Long.toUnsignedString(n + attempt) + ".tmp");
            try {
                Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 1000) {
                    throw e;
                }
            }
        }
    }
}
