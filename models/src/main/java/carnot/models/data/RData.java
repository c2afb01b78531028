package carnot.models.data;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads character vectors out of an R lazy-load database ({@code data/Rdata.rdb}, as in Debian's
 * {@code r-cran-janeaustenr}). The file is a run of records, each a big-endian int32 uncompressed length and a zlib
 * stream holding one object in R's XDR serialization ({@code "X\n"}, format version 2 or 3, then the object).
 * Only objects that are character vectors (STRSXP of CHARSXP) are supported; others are an error naming the record.
 */
public final class RData {
    private static final int STRSXP = 16;
    private static final int CHARSXP = 9;

    private RData() {
    }

    /** Every record of the database, in file order, as a list of strings (NA elements become empty strings). */
    public static List<List<String>> characterVectors(Path rdb) {
        byte[] b = Loaders.readMaybeGzip(rdb);
        List<List<String>> out = new ArrayList<>();
        int pos = 0;
        while (pos < b.length) {
            if (b.length - pos < 5) {
                throw bad(rdb, out.size(), "truncated record header at byte " + pos);
            }
            int ulen = ByteBuffer.wrap(b, pos, 4).getInt();
            if (ulen <= 0) {
                throw bad(rdb, out.size(), "record length " + ulen + " at byte " + pos);
            }
            Inflater inf = new Inflater();
            inf.setInput(b, pos + 4, b.length - pos - 4);
            byte[] obj = new byte[ulen];
            try {
                int got = inf.inflate(obj);
                if (got != ulen || !inf.finished()) {
                    throw bad(rdb, out.size(), "zlib stream gave " + got + " bytes, header says " + ulen);
                }
            } catch (DataFormatException e) {
                throw bad(rdb, out.size(), "corrupt zlib stream: " + e.getMessage());
            }
            pos += 4 + (int) inf.getBytesRead();
            inf.end();
            out.add(parseStrings(obj, rdb, out.size()));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("R database " + rdb + " holds no records");
        }
        return out;
    }

    private static List<String> parseStrings(byte[] obj, Path rdb, int record) {
        if (obj.length < 14 || obj[0] != 'X' || obj[1] != '\n') {
            throw bad(rdb, record, "not an XDR serialization (\"X\\n\" header)");
        }
        ByteBuffer bb = ByteBuffer.wrap(obj);
        bb.position(2);
        int version = bb.getInt();
        bb.getInt();
        bb.getInt();
        if (version == 3) {
            int nlen = bb.getInt();
            bb.position(bb.position() + nlen);
        } else if (version != 2) {
            throw bad(rdb, record, "serialization version " + version + " (need 2 or 3)");
        }
        int flags = bb.getInt();
        if ((flags & 0xff) != STRSXP) {
            throw bad(rdb, record, "object type " + (flags & 0xff) + " is not a character vector (16)");
        }
        int n = bb.getInt();
        List<String> s = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int cf = bb.getInt();
            if ((cf & 0xff) != CHARSXP) {
                throw bad(rdb, record, "element " + i + " has type " + (cf & 0xff) + ", not CHARSXP (9)");
            }
            int len = bb.getInt();
            if (len == -1) {
                s.add("");
                continue;
            }
            if (len < 0 || len > bb.remaining()) {
                throw bad(rdb, record, "element " + i + " has length " + len);
            }
            boolean latin1 = (cf & (1 << 14)) != 0;
            s.add(new String(obj, bb.position(), len, latin1 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8));
            bb.position(bb.position() + len);
        }
        return s;
    }

    private static IllegalArgumentException bad(Path rdb, int record, String what) {
        return new IllegalArgumentException("R database " + rdb + " record " + record + ": " + what);
    }
}
