package carnot.engine.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * NumPy {@code .npz}: a zip archive with one {@code NAME.npy} entry per array, stored or deflated (as written by
 * {@code np.savez} and {@code np.savez_compressed}, including their zip64 entries). Names keep the archive order.
 */
public final class Npz {
    private Npz() {
    }

    /**
     * Reads every array of {@code file}, keyed by entry name without the {@code .npy} suffix. Errors name the file
     * and the entry: missing file, not a zip, an entry that is not {@code .npy}, a malformed array.
     */
    public static SequencedMap<String, NdArray> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("npz file " + file + " does not exist or is not a regular file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("npz file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read npz file " + file + ": " + e.getMessage(), e);
        } catch (OutOfMemoryError e) {
            throw new IllegalArgumentException("npz file " + file + " is too large to read into memory", e);
        }
        return read(bytes, file.toString());
    }

    /**
     * Parses a complete {@code .npz} image held in memory; {@code source} names it in errors. The zip structure is
     * read from its central directory (zip64 sizes and offsets included), entries stored or deflated, each checked
     * against its CRC-32. Every malformed input — not a zip, a truncated or inconsistent directory, a size that does
     * not match, a bad CRC, an entry that is not a valid {@code .npy} — is an {@link IllegalArgumentException}
     * naming {@code source} (and the entry); no size declared in the file is trusted before it is checked against
     * the bytes there are.
     */
    public static SequencedMap<String, NdArray> read(byte[] bytes, String source) {
        SequencedMap<String, NdArray> out = new LinkedHashMap<>();
        for (ZipImage.Entry e : ZipImage.entries(bytes, source)) {
            String name = e.name();
            if (name.endsWith("/")) {
                continue;
            }
            if (!name.endsWith(".npy")) {
                throw new IllegalArgumentException("npz file " + source + " has entry '" + name
                        + "' which is not a .npy array");
            }
            String key = name.substring(0, name.length() - 4);
            if (out.containsKey(key)) {
                throw new IllegalArgumentException("npz file " + source + " has entry '" + name + "' twice");
            }
            out.put(key, Npy.read(ZipImage.contents(bytes, e, source), source + "[" + name + "]"));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("npz file " + source + " holds no arrays");
        }
        return out;
    }

    /** The array named {@code name} of {@code arrays}, or an error listing the names there are. */
    public static NdArray require(Map<String, NdArray> arrays, String name, Path file) {
        NdArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("npz file " + file + " has no array '" + name + "'; it has "
                    + arrays.keySet());
        }
        return a;
    }

    /**
     * Refuses an array holding NaN or ±Inf: the error names {@code source}, the array, the first such element's
     * flat index and multi-index, and its value. Integer arrays always pass.
     */
    public static void requireFinite(Map<String, NdArray> arrays, String source) {
        for (Map.Entry<String, NdArray> e : arrays.entrySet()) {
            NdArray a = e.getValue();
            int i = a.firstNonFinite();
            if (i >= 0) {
                throw new IllegalArgumentException(source + ": array '" + e.getKey() + "' " + a + " holds "
                        + a.toDoubles()[i] + " at index " + i + " " + java.util.Arrays.toString(a.unravel(i))
                        + "; values must be finite");
            }
        }
    }

    /** The complete zip image of {@code arrays}; {@code compress} chooses deflated over stored entries. */
    public static byte[] toBytes(Map<String, NdArray> arrays, boolean compress) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, NdArray> a : arrays.entrySet()) {
                if (a.getKey().isEmpty()) {
                    throw new IllegalArgumentException("npz array names must be non-empty");
                }
                byte[] npy = Npy.toBytes(a.getValue());
                ZipEntry e = new ZipEntry(a.getKey() + ".npy");
                if (compress) {
                    e.setMethod(ZipEntry.DEFLATED);
                } else {
                    CRC32 crc = new CRC32();
                    crc.update(npy);
                    e.setMethod(ZipEntry.STORED);
                    e.setSize(npy.length);
                    e.setCompressedSize(npy.length);
                    e.setCrc(crc.getValue());
                }
                zip.putNextEntry(e);
                zip.write(npy);
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build npz archive: " + e.getMessage(), e);
        }
        return bytes.toByteArray();
    }

    /** Writes {@code arrays} to {@code file} atomically (no partial file on failure). */
    public static void write(Map<String, NdArray> arrays, Path file, boolean compress) {
        AtomicFiles.write(file, toBytes(arrays, compress));
    }
}
