package carnot.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips and error paths of the .npy/.npz reader and writer, including files written by NumPy itself. */
class NpyNpzTest {
    @TempDir
    Path dir;

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = NpyNpzTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    private Path copyResource(String name) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, resource(name));
        return p;
    }

    private static Map<String, NdArray> sample() {
        Random r = new Random(7);
        double[] d = new double[12];
        float[] f = new float[5];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextGaussian();
        }
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) r.nextGaussian();
        }
        Map<String, NdArray> m = new LinkedHashMap<>();
        m.put("layers.0.weight", NdArray.ofF64(d, 3, 4));
        m.put("layers.0.bias", NdArray.ofF32(f, 5));
        m.put("ids", NdArray.ofI32(new int[] {0, -1, Integer.MAX_VALUE, 3}, 2, 2));
        m.put("big", NdArray.ofI64(new long[] {Long.MIN_VALUE, 1L << 40}, 2));
        m.put("scalar", NdArray.ofF64(new double[] {2.5}));
        m.put("empty", NdArray.ofF64(new double[0], 0, 3));
        return m;
    }

    /** Every dtype and rank (including scalar and empty arrays) survives a stored and a deflated npz round trip bitwise. */
    @Test
    void npzRoundTripStoredAndDeflated() {
        for (boolean compress : List.of(false, true)) {
            Path p = dir.resolve("a" + compress + ".npz");
            Npz.write(sample(), p, compress);
            Map<String, NdArray> back = Npz.read(p);
            assertEquals(List.copyOf(sample().keySet()), List.copyOf(back.keySet()), "order kept");
            sample().forEach((k, v) -> assertTrue(v.sameAs(back.get(k)), k + " " + compress));
        }
    }

    /** Headers are 64-byte aligned and end in a newline, as the format requires. */
    @Test
    void headerIsAlignedAndParsesBack() {
        byte[] b = Npy.toBytes(NdArray.ofF64(new double[] {1, 2, 3}, 3));
        int hl = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        assertEquals(0, (10 + hl) % 64);
        assertEquals('\n', b[10 + hl - 1]);
        String h = new String(b, 10, hl, StandardCharsets.ISO_8859_1);
        assertTrue(h.startsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"), h);
        assertArrayEquals(new double[] {1, 2, 3}, Npy.read(b, "mem").toDoubles());
    }

    /** Files written by numpy.savez (stored, with zip64 extras) and savez_compressed read with the right values. */
    @Test
    void readsNumpyWrittenFiles() throws IOException {
        Map<String, NdArray> s = Npz.read(copyResource("numpy_stored.npz"));
        assertEquals(List.of("w", "b", "i", "l", "s"), List.copyOf(s.keySet()));
        double[] w = s.get("w").toDoubles();
        for (int i = 0; i < 6; i++) {
            assertEquals(i / 7.0, w[i], 0.0);
        }
        assertArrayEquals(new int[] {2, 3}, s.get("w").shape());
        assertEquals(NpyType.F32, s.get("b").dtype());
        assertArrayEquals(new float[] {1.5f, -2.25f}, (float[]) s.get("b").data());
        assertArrayEquals(new int[] {1, -2, 3, 4}, (int[]) s.get("i").data());
        assertArrayEquals(new long[] {7, -(1L << 40)}, (long[]) s.get("l").data());
        assertArrayEquals(new int[0], s.get("s").shape());
        assertEquals(3.5, s.get("s").toDoubles()[0]);
        Map<String, NdArray> c = Npz.read(copyResource("numpy_deflated.npz"));
        assertTrue(s.get("w").sameAs(c.get("w")));
        assertTrue(s.get("b").sameAs(c.get("b")));
    }

    /** Big-endian arrays are read (converted); Fortran order and unsupported dtypes fail with a message naming them. */
    @Test
    void byteOrderAndUnsupportedHeaders() throws IOException {
        assertArrayEquals(new double[] {1, 2, -3.5}, Npy.read(resource("bigendian.npy"), "be").toDoubles());
        var f = assertThrows(IllegalArgumentException.class, () -> Npy.read(resource("fortran.npy"), "f.npy"));
        assertTrue(f.getMessage().contains("fortran_order") && f.getMessage().contains("f.npy"), f.getMessage());
        var b = assertThrows(IllegalArgumentException.class, () -> Npy.read(resource("bool.npy"), "bool.npy"));
        assertTrue(b.getMessage().contains("'|b1'") && b.getMessage().contains("supported"), b.getMessage());
    }

    /** Malformed images: bad magic, truncated data, extra bytes, garbled header, bad version — each a clear error. */
    @Test
    void malformedNpyIsRejected() {
        byte[] good = Npy.toBytes(NdArray.ofF64(new double[] {1, 2, 3, 4}, 2, 2));
        assertMessage(new byte[] {1, 2, 3}, "magic");
        assertMessage(java.util.Arrays.copyOf(good, good.length - 8), "needs 32 data bytes");
        assertMessage(java.util.Arrays.copyOf(good, good.length + 1), "needs 32 data bytes");
        byte[] v9 = good.clone();
        v9[6] = 9;
        assertMessage(v9, "version 9");
        byte[] garbled = good.clone();
        int at = new String(garbled, StandardCharsets.ISO_8859_1).indexOf("shape");
        garbled[at + 9] = 'x';
        assertMessage(garbled, "shape");
        byte[] longHeader = good.clone();
        longHeader[8] = (byte) 0xff;
        longHeader[9] = (byte) 0x7f;
        assertMessage(longHeader, "header claims");
    }

    private static void assertMessage(byte[] bytes, String part) {
        var e = assertThrows(IllegalArgumentException.class, () -> Npy.read(bytes, "x.npy"));
        assertTrue(e.getMessage().contains(part) && e.getMessage().contains("x.npy"), e.getMessage());
    }

    /** A missing file, a non-zip file, and a zip with a non-.npy entry are errors naming the file. */
    @Test
    void malformedNpzIsRejected() throws IOException {
        Path missing = dir.resolve("missing.npz");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Npz.read(missing)).getMessage()
                .contains("missing.npz"));
        Path notZip = dir.resolve("not.npz");
        Files.writeString(notZip, "hello");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Npz.read(notZip)).getMessage()
                .contains("not a valid zip"));
        Path other = dir.resolve("other.npz");
        try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(other))) {
            z.putNextEntry(new java.util.zip.ZipEntry("readme.txt"));
            z.write(1);
            z.closeEntry();
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Npz.read(other)).getMessage()
                .contains("readme.txt"));
    }

    /** A failed write leaves no file behind (the target folder does not exist). */
    @Test
    void failedWriteLeavesNoFile() {
        Path target = dir.resolve("nope").resolve("a.npz");
        assertThrows(RuntimeException.class, () -> Npz.write(sample(), target, false));
        assertFalse(Files.exists(target));
        Path folder = dir.resolve("folder");
        assertTrue(folder.toFile().mkdir());
        assertTrue(assertThrows(RuntimeException.class, () -> Npz.write(sample(), folder, false)).getMessage()
                .contains("is a folder"));
        assertTrue(Files.isDirectory(folder));
    }

    /** NdArray validates data type and length, and integer conversion refuses non-integral floats. */
    @Test
    void ndArrayValidates() {
        assertThrows(IllegalArgumentException.class, () -> new NdArray(NpyType.F64, new int[] {2}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> NdArray.ofF64(new double[3], 2, 2));
        assertArrayEquals(new int[] {1, 2}, NdArray.ofF64(new double[] {1, 2}, 2).toInts());
        assertThrows(IllegalArgumentException.class, () -> NdArray.ofF64(new double[] {1.5}, 1).toInts());
    }
}
