package carnot.models.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import carnot.engine.io.NdArray;
import carnot.engine.io.Npy;
import carnot.engine.io.Npz;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded mutation fuzzing of the file readers that take bytes in memory: {@link Npy#read(byte[], String)},
 * {@link Npz#read(byte[], String)}, {@link Loaders#idx(byte[], String)} and {@link Loaders#cifar10(byte[][],
 * String[])}. Each reader gets {@value #CASES} mutants of valid seed files (bit flips, random and boundary bytes and
 * 32-bit words, insertions, deletions, duplications, truncation; for the compressed formats also mutations of the
 * content before compressing, and for .npy of the header text), all from one fixed seed, so a failure reproduces
 * by its case number. The only outcomes allowed are a read that re-encodes consistently and an
 * {@link IllegalArgumentException} whose message names the source; any other throwable (index or size errors,
 * out of memory from a declared size, an unchecked I/O error) fails the test with the case number and the input.
 * Bugs it found are kept in {@link #regressions()}.
 */
class ReaderFuzzTest {
    static final int CASES = 100_000;
    private static final String SRC = "fuzz-source-7";

    /** Outcome counts of one reader's run. */
    private record Tally(int ok, int refused) {
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void npy() {
        List<byte[]> seeds = new ArrayList<>();
        for (NdArray a : arrays()) {
            seeds.add(Npy.toBytes(a));
        }
        seeds.add(resource("bigendian.npy"));
        Tally t = fuzz("npy", seeds, 11, (b, r) -> r.nextInt(4) == 0 ? npyHeaderMutant(b, r) : mutate(b, r),
                b -> {
                    NdArray a = Npy.read(b, SRC);
                    assertEquals(a, Npy.read(Npy.toBytes(a), SRC), "re-encoded array differs");
                });
        report("npy", t);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void npz() {
        List<byte[]> seeds = new ArrayList<>();
        List<NdArray> as = arrays();
        for (int i = 0; i + 1 < as.size(); i += 2) {
            Map<String, NdArray> m = new LinkedHashMap<>();
            m.put("a" + i, as.get(i));
            m.put("b" + i, as.get(i + 1));
            seeds.add(Npz.toBytes(m, i % 4 == 0));
        }
        seeds.add(resource("numpy_stored.npz"));
        seeds.add(resource("numpy_deflated.npz"));
        Tally t = fuzz("npz", seeds, 12, (b, r) -> r.nextInt(3) == 0 ? npzContentMutant(b, r) : mutate(b, r),
                b -> {
                    Map<String, NdArray> m = Npz.read(b, SRC);
                    assertEquals(m, Npz.read(Npz.toBytes(m, false), SRC), "re-encoded archive differs");
                });
        report("npz", t);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void idx() {
        List<byte[]> seeds = new ArrayList<>();
        seeds.add(idxImage(new int[] {5}, bytes(5, 3)));
        seeds.add(idxImage(new int[] {3, 4, 2}, bytes(24, 4)));
        seeds.add(idxImage(new int[] {2, 3}, bytes(6, 5)));
        seeds.add(gzip(idxImage(new int[] {2, 2, 2}, bytes(8, 6))));
        Tally t = fuzz("idx", seeds, 13, 2, ReaderFuzzTest::compressedMutant, b -> {
            NdArray a = Loaders.idx(b, SRC);
            assertTrue(a.rank() == 1 || a.rank() == 2, "rank " + a.rank());
        });
        report("idx", t);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void cifar() {
        List<byte[]> seeds = new ArrayList<>();
        byte[] two = bytes(2 * 3073, 7);
        two[0] = 3;
        two[3073] = 9;
        seeds.add(two);
        byte[] one = bytes(3073, 8);
        one[0] = 0;
        seeds.add(gzip(one));
        Tally t = fuzz("cifar", seeds, 14, 2, ReaderFuzzTest::compressedMutant, b -> {
            Examples e = Loaders.cifar10(new byte[][] {b}, new String[] {SRC});
            assertEquals(3072, e.x().shape()[1]);
            assertEquals(e.x().shape()[0], e.y().shape()[0]);
        });
        report("cifar", t);
    }

    /**
     * Inputs the fuzzer (or a review) found mishandled, each with the error it must give now: declared sizes far
     * beyond the data, dimension products that overflow, sizes of the wrong kind.
     */
    @Test
    void regressions() {
        // IDX rank 3 with dims [0, 2^31-1, 5]: prod(rest) overflowed int and the reader built a negative dimension
        refused(() -> Loaders.idx(idxHeader(0, Integer.MAX_VALUE, 5), SRC), "more than 2^31-9 elements");
        // IDX dims whose long product wraps around to the data length (65536^4 = 2^64 ≡ 0 bytes): read as [65536, 0]
        refused(() -> Loaders.idx(idxHeader(65536, 65536, 65536, 65536), SRC), "2^31-9");
        // .npy shape of 2^31 elements: the element-count error did not name the file
        refused(() -> Npy.read(npyWithShape("(65536, 65536)"), SRC), "2^31-9");
        // zip entry declaring 2 GB uncompressed from 10 bytes: no allocation of the declared size
        byte[] zip = Npz.toBytes(Map.of("x", NdArray.ofF64(new double[] {1, 2}, 2)), true);
        patchCentralSizes(zip, 0x7ffffff0L);
        refused(() -> Npz.read(zip, SRC), SRC);
        // zip whose central directory offset points past the end
        byte[] z2 = Npz.toBytes(Map.of("x", NdArray.ofI32(new int[] {1}, 1)), false);
        ByteBuffer.wrap(z2).order(ByteOrder.LITTLE_ENDIAN).putInt(z2.length - 22 + 16, Integer.MAX_VALUE);
        refused(() -> Npz.read(z2, SRC), "outside the file");
        // CIFAR-10 record with label 200
        byte[] c = bytes(3073, 1);
        c[0] = (byte) 200;
        refused(() -> Loaders.cifar10(new byte[][] {c}, new String[] {SRC}), "label 200");
        // truncated gzip stream of an IDX file
        byte[] g = gzip(idxImage(new int[] {4}, bytes(4, 2)));
        refused(() -> Loaders.idx(java.util.Arrays.copyOf(g, g.length - 5), SRC), "corrupt gzip");
    }

    private static void refused(org.junit.jupiter.api.function.Executable read, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, read);
        assertTrue(e.getMessage().contains(SRC) && e.getMessage().contains(part), e.getMessage());
    }

    /** A mutation: returns a new array, never changes its input. */
    private interface Mutation {
        byte[] apply(byte[] b, SplittableRandom r);
    }

    /** A check of a successful read; throws AssertionError when the read is inconsistent. */
    private interface Check {
        void accept(byte[] b) throws Exception;
    }

    private static Tally fuzz(String reader, List<byte[]> seeds, long seed, Mutation mutation, Check check) {
        return fuzz(reader, seeds, seed, 4, mutation, check);
    }

    /** {@code CASES} mutants, each of 1 to {@code maxRounds} stacked mutations of a random seed file. */
    private static Tally fuzz(String reader, List<byte[]> seeds, long seed, int maxRounds, Mutation mutation,
                              Check check) {
        SplittableRandom root = new SplittableRandom(seed);
        int ok = 0;
        int refused = 0;
        for (int i = 0; i < CASES; i++) {
            SplittableRandom r = root.split();
            byte[] input = seeds.get(r.nextInt(seeds.size()));
            int rounds = 1 + r.nextInt(maxRounds);
            for (int k = 0; k < rounds; k++) {
                input = mutation.apply(input, r);
            }
            try {
                check.accept(input);
                ok++;
            } catch (IllegalArgumentException e) {
                if (e.getMessage() == null || !e.getMessage().contains(SRC)) {
                    fail(reader + " case " + i + ": the error does not name the source: " + e + "\ninput "
                            + hex(input), e);
                }
                refused++;
            } catch (Throwable e) {
                fail(reader + " case " + i + ": " + e + "\ninput " + hex(input), e);
            }
        }
        return new Tally(ok, refused);
    }

    private static void report(String reader, Tally t) {
        System.out.printf("fuzz %s: %d mutants, %d read, %d refused%n", reader, CASES, t.ok(), t.refused());
        assertEquals(CASES, t.ok() + t.refused());
        assertTrue(t.ok() > 0 && t.refused() > 0, reader + ": the mutants must reach both outcomes; " + t);
    }

    private static final int[] WORDS = {0, 1, -1, 2, 8, 64, 255, 0x7fff, 0xffff, 0x10000, Integer.MAX_VALUE,
        Integer.MIN_VALUE, Integer.MAX_VALUE - 8, 3073, 0x7ffffff0};

    /** A generic byte-level mutation. */
    static byte[] mutate(byte[] in, SplittableRandom r) {
        byte[] b = in.clone();
        int n = b.length;
        switch (r.nextInt(9)) {
            case 0 -> {
                if (n > 0) {
                    int i = r.nextInt(n);
                    b[i] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> {
                if (n > 0) {
                    b[r.nextInt(n)] = (byte) r.nextInt(256);
                }
            }
            case 2 -> {
                if (n > 0) {
                    int[] edge = {0, 1, 0x7f, 0x80, 0xff, 0xfe};
                    b[r.nextInt(n)] = (byte) edge[r.nextInt(edge.length)];
                }
            }
            case 3 -> {
                if (n >= 4) {
                    int i = r.nextInt(n - 3);
                    ByteBuffer.wrap(b).order(r.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN)
                            .putInt(i, WORDS[r.nextInt(WORDS.length)]);
                }
            }
            case 4 -> {
                int at = r.nextInt(n + 1);
                byte[] ins = new byte[1 + r.nextInt(16)];
                r.nextBytes(ins);
                b = concat(java.util.Arrays.copyOf(b, at), ins, java.util.Arrays.copyOfRange(b, at, n));
            }
            case 5 -> {
                if (n > 0) {
                    int at = r.nextInt(n);
                    int len = 1 + r.nextInt(Math.min(32, n - at));
                    b = concat(java.util.Arrays.copyOf(b, at), java.util.Arrays.copyOfRange(b, at + len, n));
                }
            }
            case 6 -> {
                if (n > 0) {
                    int at = r.nextInt(n);
                    int len = 1 + r.nextInt(Math.min(64, n - at));
                    b = concat(java.util.Arrays.copyOf(b, at + len), java.util.Arrays.copyOfRange(b, at, n));
                }
            }
            case 7 -> b = java.util.Arrays.copyOf(b, n == 0 ? 0 : r.nextInt(n));
            default -> {
                byte[] tail = new byte[1 + r.nextInt(8)];
                r.nextBytes(tail);
                b = concat(b, tail);
            }
        }
        return b;
    }

    /** A mutant of the .npy header text: shape, descr or fortran_order replaced by another, often odd, value. */
    private static byte[] npyHeaderMutant(byte[] in, SplittableRandom r) {
        int hl = in.length >= 10 && in[6] == 1 ? (in[8] & 0xff | (in[9] & 0xff) << 8) : -1;
        if (hl < 0 || 10 + hl > in.length) {
            return mutate(in, r);
        }
        String h = new String(in, 10, hl, StandardCharsets.ISO_8859_1);
        String[] shapes = {"()", "(0,)", "(3,)", "(2, 3)", "(99999999999,)", "(2147483647, 2)", "(-1,)", "(3, 0, 5)",
            "(65536, 65536)", "(1,1,1,1,1,1,1,1)", "(", "(3,", "((3,),)", "(3L,)", "(2 3)"};
        String[] descrs = {"'<f8'", "'>f4'", "'|i4'", "'<i8'", "'<u1'", "'O'", "'<f8", "[('a','<f4')]", "''", "'<f16'"};
        String[] orders = {"True", "False", "None", "1"};
        String m = switch (r.nextInt(3)) {
            case 0 -> h.replaceFirst("\\(.*?\\)", java.util.regex.Matcher.quoteReplacement(shapes[r.nextInt(shapes.length)]));
            case 1 -> h.replaceFirst("'[<>|=]?[a-zA-Z]\\d*'", java.util.regex.Matcher.quoteReplacement(descrs[r.nextInt(descrs.length)]));
            default -> h.replaceFirst("True|False", orders[r.nextInt(orders.length)]);
        };
        byte[] mh = m.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = concat(java.util.Arrays.copyOf(in, 10), mh, java.util.Arrays.copyOfRange(in, 10 + hl, in.length));
        int len = r.nextInt(8) == 0 ? r.nextInt(0x10000) : mh.length;
        out[8] = (byte) len;
        out[9] = (byte) (len >> 8);
        return out;
    }

    /** A mutant of one entry's contents, re-zipped (stored or deflated) with a correct CRC. */
    private static byte[] npzContentMutant(byte[] in, SplittableRandom r) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (var z = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(in))) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                entries.put(e.getName(), z.readAllBytes());
            }
        } catch (IOException | RuntimeException e) {
            return mutate(in, r);
        }
        if (entries.isEmpty()) {
            return mutate(in, r);
        }
        List<String> names = new ArrayList<>(entries.keySet());
        String victim = names.get(r.nextInt(names.size()));
        byte[] v = entries.get(victim);
        entries.put(victim, r.nextBoolean() ? npyHeaderMutant(v, r) : mutate(v, r));
        if (r.nextInt(8) == 0) {
            entries.put(r.nextBoolean() ? "extra.txt" : victim.replace(".npy", "") + "/", new byte[0]);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean deflate = r.nextBoolean();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (var e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                if (deflate) {
                    ze.setMethod(ZipEntry.DEFLATED);
                } else {
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    ze.setMethod(ZipEntry.STORED);
                    ze.setSize(e.getValue().length);
                    ze.setCompressedSize(e.getValue().length);
                    ze.setCrc(crc.getValue());
                }
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** For gzip-capable readers: a byte-level mutant, or a mutant of the gunzipped content gzipped again. */
    private static byte[] compressedMutant(byte[] in, SplittableRandom r) {
        boolean gz = in.length > 2 && (in[0] & 0xff) == 0x1f && (in[1] & 0xff) == 0x8b;
        if (gz && r.nextInt(3) != 0) {
            try (InputStream s = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(in))) {
                byte[] b = s.readAllBytes();
                for (int k = r.nextInt(3); k >= 0; k--) {
                    b = mutate(b, r);
                }
                return gzip(b);
            } catch (IOException e) {
                return mutate(in, r);
            }
        }
        return r.nextInt(16) == 0 ? gzip(mutate(in, r)) : mutate(in, r);
    }

    private static List<NdArray> arrays() {
        return List.of(NdArray.ofF64(new double[] {1.5, -2, 3e300}, 3), NdArray.ofF32(new float[] {1, 2, 3, 4, 5, 6}, 2, 3),
                NdArray.ofI32(new int[] {7}, new int[0]), NdArray.ofI64(new long[] {1L << 40, -1}, 2, 1),
                NdArray.ofF64(new double[0], 0, 4), NdArray.ofI32(new int[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2));
    }

    private static byte[] idxImage(int[] dims, byte[] data) {
        ByteBuffer bb = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        bb.put((byte) 0).put((byte) 0).put((byte) 8).put((byte) dims.length);
        for (int d : dims) {
            bb.putInt(d);
        }
        return bb.put(data).array();
    }

    private static byte[] idxHeader(int... dims) {
        return idxImage(dims, new byte[0]);
    }

    private static byte[] npyWithShape(String shape) {
        byte[] b = Npy.toBytes(NdArray.ofF64(new double[] {1}, 1));
        String h = new String(b, 10, (b[8] & 0xff) | (b[9] & 0xff) << 8, StandardCharsets.ISO_8859_1);
        String m = h.replace("(1,)", shape);
        byte[] mh = m.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = concat(java.util.Arrays.copyOf(b, 10), mh, new byte[8]);
        out[8] = (byte) mh.length;
        out[9] = (byte) (mh.length >> 8);
        return out;
    }

    /** Sets the uncompressed size of the first central directory entry. */
    private static void patchCentralSizes(byte[] zip, long size) {
        for (int i = 0; i + 4 <= zip.length; i++) {
            if (zip[i] == 'P' && zip[i + 1] == 'K' && zip[i + 2] == 1 && zip[i + 3] == 2) {
                ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).putInt(i + 24, (int) size);
                return;
            }
        }
        throw new IllegalStateException("no central directory entry");
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static byte[] gzip(byte[] b) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(o)) {
            g.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return o.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    private static byte[] resource(String name) {
        try (InputStream in = ReaderFuzzTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 512); i++) {
            sb.append(String.format("%02x", b[i]));
        }
        return sb + (b.length > 512 ? "… (" + b.length + " bytes)" : "");
    }
}
