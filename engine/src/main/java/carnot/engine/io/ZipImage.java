package carnot.engine.io;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads the entries of a zip archive held in a byte array, as {@code .npz} files are: the end-of-central-directory
 * record (and its zip64 locator and record when a count or offset overflows), the central directory entries (zip64
 * extra field 0x0001 for sizes and offsets), and for each entry its local header to find the data. Methods 0
 * (stored) and 8 (deflated); encrypted entries and multi-disk archives are refused. Every size and offset is checked
 * against the array before use, so no declared size allocates more than the data can hold; a malformed archive is
 * an {@link IllegalArgumentException} naming the source.
 */
final class ZipImage {
    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final long MAX_ENTRY = Integer.MAX_VALUE - 8;

    private ZipImage() {
    }

    /**
     * One central directory entry.
     *
     * @param name             entry name
     * @param method           0 stored, 8 deflated
     * @param crc              CRC-32 of the uncompressed data
     * @param compressedSize   bytes of data in the archive
     * @param size             bytes once inflated
     * @param localOffset      offset of the local header
     */
    record Entry(String name, int method, long crc, long compressedSize, long size, long localOffset) {
    }

    /** The entries listed by the central directory, in order. */
    static List<Entry> entries(byte[] b, String source) {
        int eocd = -1;
        for (int i = b.length - 22; i >= Math.max(0, b.length - 22 - 0xffff); i--) {
            if (u32(b, i) == EOCD && i + 22 + u16(b, i + 20) == b.length) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw bad(source, "no end-of-central-directory record (not a zip archive, or truncated)");
        }
        if (u16(b, eocd + 4) != 0 || u16(b, eocd + 6) != 0) {
            throw bad(source, "multi-disk archives are not supported");
        }
        long count = u16(b, eocd + 10);
        long cdSize = u32(b, eocd + 12);
        long cdOffset = u32(b, eocd + 16);
        if (count == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
            int loc = eocd - 20;
            if (loc < 0 || u32(b, loc) != ZIP64_LOCATOR) {
                throw bad(source, "a zip64 archive without its zip64 locator");
            }
            long rec = u64(b, loc + 8);
            if (rec < 0 || rec > loc - 56) {
                throw bad(source, "the zip64 end record offset " + rec + " is outside the file");
            }
            int r = (int) rec;
            if (u32(b, r) != ZIP64_EOCD) {
                throw bad(source, "no zip64 end record at offset " + r);
            }
            count = u64(b, r + 32);
            cdSize = u64(b, r + 40);
            cdOffset = u64(b, r + 48);
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset > eocd || cdSize > eocd - cdOffset) {
            throw bad(source, "the central directory (offset " + cdOffset + ", " + cdSize + " bytes) lies outside"
                    + " the file");
        }
        if (count < 0 || count > cdSize / 46) {
            throw bad(source, "the archive claims " + count + " entries in a " + cdSize + "-byte central directory");
        }
        List<Entry> out = new ArrayList<>();
        long p = cdOffset;
        long end = cdOffset + cdSize;
        for (long k = 0; k < count; k++) {
            if (p + 46 > end || u32(b, (int) p) != CENTRAL) {
                throw bad(source, "central directory entry " + k + " is missing or malformed");
            }
            int q = (int) p;
            int flags = u16(b, q + 8);
            int method = u16(b, q + 10);
            long crc = u32(b, q + 16);
            long csize = u32(b, q + 20);
            long usize = u32(b, q + 24);
            int nameLen = u16(b, q + 28);
            int extraLen = u16(b, q + 30);
            int commentLen = u16(b, q + 32);
            long local = u32(b, q + 42);
            if (p + 46 + nameLen + extraLen + commentLen > end) {
                throw bad(source, "central directory entry " + k + " runs past the directory");
            }
            String name = new String(b, q + 46, nameLen,
                    (flags & 0x800) != 0 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            int x = q + 46 + nameLen;
            int xEnd = x + extraLen;
            while (x + 4 <= xEnd) {
                int id = u16(b, x);
                int len = u16(b, x + 2);
                if (x + 4 + len > xEnd) {
                    throw bad(source, "entry '" + name + "' has a malformed extra field");
                }
                if (id == 0x0001) {
                    int f = x + 4;
                    int fEnd = f + len;
                    if (usize == 0xffffffffL) {
                        usize = field64(b, f, fEnd, source, name);
                        f += 8;
                    }
                    if (csize == 0xffffffffL) {
                        csize = field64(b, f, fEnd, source, name);
                        f += 8;
                    }
                    if (local == 0xffffffffL) {
                        local = field64(b, f, fEnd, source, name);
                    }
                }
                x += 4 + len;
            }
            if ((flags & 1) != 0) {
                throw bad(source, "entry '" + name + "' is encrypted");
            }
            if (method != 0 && method != 8) {
                throw bad(source, "entry '" + name + "' uses compression method " + method
                        + "; only stored (0) and deflated (8) are supported");
            }
            if (usize < 0 || usize > MAX_ENTRY || csize < 0 || csize > b.length) {
                throw bad(source, "entry '" + name + "' declares " + csize + " compressed and " + usize
                        + " uncompressed bytes, beyond what this file can hold");
            }
            if (method == 0 && csize != usize) {
                throw bad(source, "stored entry '" + name + "' has compressed size " + csize + " but size " + usize);
            }
            out.add(new Entry(name, method, crc, csize, usize, local));
            p += 46 + nameLen + extraLen + commentLen;
        }
        return out;
    }

    /** The uncompressed bytes of {@code e}, checked against its sizes and CRC-32. */
    static byte[] contents(byte[] b, Entry e, String source) {
        long lh = e.localOffset();
        if (lh < 0 || lh > b.length - 30L || u32(b, (int) lh) != LOCAL) {
            throw bad(source, "entry '" + e.name() + "' has no local header at offset " + lh);
        }
        long data = lh + 30 + u16(b, (int) lh + 26) + u16(b, (int) lh + 28);
        if (data > b.length - e.compressedSize()) {
            throw bad(source, "entry '" + e.name() + "' claims " + e.compressedSize() + " bytes at offset " + data
                    + " but the file has " + b.length);
        }
        byte[] out;
        if (e.method() == 0) {
            out = java.util.Arrays.copyOfRange(b, (int) data, (int) (data + e.compressedSize()));
        } else {
            out = inflate(b, (int) data, (int) e.compressedSize(), e, source);
        }
        CRC32 crc = new CRC32();
        crc.update(out);
        if (crc.getValue() != e.crc()) {
            throw bad(source, "entry '" + e.name() + "' fails its CRC-32 check (corrupt data)");
        }
        return out;
    }

    private static byte[] inflate(byte[] b, int off, int len, Entry e, String source) {
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(b, off, len);
            int size = (int) e.size();
            byte[] out = new byte[Math.min(size, Math.max(64, 4 * len))];
            int n = 0;
            while (n < size) {
                if (n == out.length) {
                    out = java.util.Arrays.copyOf(out, (int) Math.min(size, 2L * out.length));
                }
                int got = inf.inflate(out, n, out.length - n);
                if (got == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n != size || !(inf.finished() || finishesEmpty(inf))) {
                throw bad(source, "deflated entry '" + e.name() + "' inflates to " + (n == size ? "more than " : "")
                        + n + " bytes but declares " + size);
            }
            return out.length == n ? out : java.util.Arrays.copyOf(out, n);
        } catch (DataFormatException ex) {
            throw bad(source, "deflated entry '" + e.name() + "' is corrupt: " + ex.getMessage());
        } finally {
            inf.end();
        }
    }

    /** True when the inflater holds no further output (the stream may end with an empty final block). */
    private static boolean finishesEmpty(Inflater inf) throws DataFormatException {
        byte[] one = new byte[1];
        return inf.inflate(one) == 0 && inf.finished();
    }

    private static long field64(byte[] b, int f, int end, String source, String name) {
        if (f + 8 > end) {
            throw bad(source, "entry '" + name + "' has a truncated zip64 extra field");
        }
        return u64(b, f);
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
    }

    private static long u32(byte[] b, int i) {
        return (u16(b, i) | (long) u16(b, i + 2) << 16) & 0xffffffffL;
    }

    private static long u64(byte[] b, int i) {
        return u32(b, i) | u32(b, i + 4) << 32;
    }

    private static IllegalArgumentException bad(String source, String what) {
        return new IllegalArgumentException("npz file " + source + " is not a valid zip archive: " + what);
    }
}
