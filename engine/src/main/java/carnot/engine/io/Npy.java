package carnot.engine.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * NumPy {@code .npy} format, versions 1.0, 2.0 and 3.0: magic {@code \x93NUMPY}, version bytes, a header length
 * (2 bytes little-endian for 1.0, 4 bytes otherwise), a Python dict literal
 * {@code {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }} padded with spaces and a newline to a
 * multiple of 64 bytes, then the raw elements.
 *
 * <p>Reads {@code f4 f8 i4 i8} in either byte order, C order only; writes version 1.0 little-endian C order
 * (version 2.0 only when the header needs it). Anything else (Fortran order, other dtypes, object arrays,
 * truncated data, trailing bytes) is an {@link IllegalArgumentException} naming the source and what was found.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private Npy() {
    }

    /** Reads one array from {@code file}. */
    public static NdArray read(Path file) {
        try {
            return read(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read .npy file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads one array from the whole of {@code in}; {@code source} names it in errors. */
    public static NdArray read(InputStream in, String source) {
        try {
            return read(in.readAllBytes(), source);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read .npy data from " + source + ": " + e.getMessage(), e);
        }
    }

    /** Parses a complete {@code .npy} image; {@code source} names it in errors. */
    public static NdArray read(byte[] bytes, String source) {
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
            throw bad(source, "it does not start with the .npy magic \\x93NUMPY");
        }
        int major = bytes[6] & 0xff;
        int headerLen;
        int headerStart;
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw bad(source, "the header is truncated");
            }
            headerLen = bb.getInt(8);
            headerStart = 12;
        } else {
            throw bad(source, "format version " + major + "." + (bytes[7] & 0xff) + " is not supported (1.0, 2.0, 3.0)");
        }
        if (headerLen < 0 || headerStart + (long) headerLen > bytes.length) {
            throw bad(source, "the header claims " + headerLen + " bytes but the file has " + bytes.length);
        }
        String header = new String(bytes, headerStart, headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict = HeaderParser.parse(header, source);
        Object descr = dict.get("descr");
        Object fortran = dict.get("fortran_order");
        Object shapeObj = dict.get("shape");
        if (!(descr instanceof String d) || !(fortran instanceof Boolean f) || !(shapeObj instanceof int[] shape)) {
            throw bad(source, "the header must have 'descr' (string), 'fortran_order' (bool) and 'shape' (tuple); "
                    + "given " + header.strip());
        }
        if (f) {
            throw bad(source, "fortran_order=True is not supported (C order only); save with "
                    + "np.ascontiguousarray(a)");
        }
        ByteOrder order;
        String code;
        if (d.length() == 3 && (d.charAt(0) == '<' || d.charAt(0) == '>' || d.charAt(0) == '=' || d.charAt(0) == '|')) {
            order = d.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            code = d.substring(1);
        } else {
            code = d;
            order = ByteOrder.LITTLE_ENDIAN;
        }
        NpyType type = NpyType.ofCode(code);
        if (type == null) {
            throw bad(source, "dtype '" + d + "' is not supported; supported: <f4, <f8, <i4, <i8 "
                    + "(float32, float64, int32, int64)");
        }
        long n;
        try {
            n = NdArray.elementCount(shape);
        } catch (IllegalArgumentException e) {
            throw bad(source, e.getMessage());
        }
        long dataStart = headerStart + (long) headerLen;
        long need = n * type.bytes();
        if (bytes.length - dataStart != need) {
            throw bad(source, "shape " + Arrays.toString(shape) + " of " + d + " needs " + need
                    + " data bytes but the file has " + (bytes.length - dataStart));
        }
        ByteBuffer data = ByteBuffer.wrap(bytes, (int) dataStart, (int) need).slice().order(order);
        int count = (int) n;
        Object arr = switch (type) {
            case F32 -> {
                float[] a = new float[count];
                data.asFloatBuffer().get(a);
                yield a;
            }
            case F64 -> {
                double[] a = new double[count];
                data.asDoubleBuffer().get(a);
                yield a;
            }
            case I32 -> {
                int[] a = new int[count];
                data.asIntBuffer().get(a);
                yield a;
            }
            case I64 -> {
                long[] a = new long[count];
                data.asLongBuffer().get(a);
                yield a;
            }
        };
        return new NdArray(type, shape, arr);
    }

    /** The complete {@code .npy} image of {@code a}. */
    public static byte[] toBytes(NdArray a) {
        StringBuilder h = new StringBuilder("{'descr': '<").append(a.dtype().code())
                .append("', 'fortran_order': False, 'shape': (");
        int[] shape = a.shape();
        for (int i = 0; i < shape.length; i++) {
            h.append(shape[i]).append(shape.length == 1 ? "," : (i + 1 < shape.length ? ", " : ""));
        }
        h.append("), }");
        int prefix = 10;
        int total = prefix + h.length() + 1;
        if (total + (64 - total % 64) % 64 - prefix > 0xffff) {
            prefix = 12;
            total = prefix + h.length() + 1;
        }
        h.append(" ".repeat((64 - total % 64) % 64)).append('\n');
        byte[] header = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        long dataBytes = (long) a.size() * a.dtype().bytes();
        ByteBuffer bb = ByteBuffer.allocate(Math.toIntExact(prefix + header.length + dataBytes))
                .order(ByteOrder.LITTLE_ENDIAN);
        bb.put(MAGIC).put((byte) (prefix == 10 ? 1 : 2)).put((byte) 0);
        if (prefix == 10) {
            bb.putShort((short) header.length);
        } else {
            bb.putInt(header.length);
        }
        bb.put(header);
        switch (a.data()) {
            case float[] x -> bb.asFloatBuffer().put(x);
            case double[] x -> bb.asDoubleBuffer().put(x);
            case int[] x -> bb.asIntBuffer().put(x);
            case long[] x -> bb.asLongBuffer().put(x);
            default -> throw new IllegalStateException("unreachable: " + a.data().getClass());
        }
        return bb.array();
    }

    /** Writes {@code a} to {@code out} (not closed). */
    public static void write(NdArray a, OutputStream out) {
        try {
            out.write(toBytes(a));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write .npy data: " + e.getMessage(), e);
        }
    }

    /** Writes {@code a} to {@code file} atomically (temp file in the same folder, then move). */
    public static void write(NdArray a, Path file) {
        AtomicFiles.write(file, Npy.toBytes(a));
    }

    private static IllegalArgumentException bad(String source, String what) {
        return new IllegalArgumentException("malformed or unsupported .npy " + source + ": " + what);
    }

    /** Parser for the restricted Python literal of a .npy header: a dict of str → str | bool | tuple of ints. */
    private static final class HeaderParser {
        private final String s;
        private final String source;
        private int p;

        private HeaderParser(String s, String source) {
            this.s = s;
            this.source = source;
        }

        static Map<String, Object> parse(String header, String source) {
            HeaderParser hp = new HeaderParser(header, source);
            Map<String, Object> m = hp.dict();
            hp.skipWs();
            if (hp.p != hp.s.length()) {
                throw hp.err("unexpected text after the header dict");
            }
            return m;
        }

        private Map<String, Object> dict() {
            Map<String, Object> m = new LinkedHashMap<>();
            expect('{');
            while (true) {
                skipWs();
                if (peek() == '}') {
                    p++;
                    return m;
                }
                String key = string();
                expect(':');
                skipWs();
                m.put(key, value());
                skipWs();
                if (peek() == ',') {
                    p++;
                } else if (peek() != '}') {
                    throw err("expected ',' or '}'");
                }
            }
        }

        private Object value() {
            char c = peek();
            if (c == '\'' || c == '"') {
                return string();
            }
            if (c == '(') {
                return tuple();
            }
            if (s.startsWith("True", p)) {
                p += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", p)) {
                p += 5;
                return Boolean.FALSE;
            }
            throw err("unsupported value (structured or object dtypes are not supported)");
        }

        private int[] tuple() {
            expect('(');
            List<Integer> dims = new ArrayList<>();
            while (true) {
                skipWs();
                if (peek() == ')') {
                    p++;
                    return dims.stream().mapToInt(Integer::intValue).toArray();
                }
                int start = p;
                while (p < s.length() && Character.isDigit(s.charAt(p))) {
                    p++;
                }
                if (start == p) {
                    throw err("expected a non-negative integer dimension");
                }
                String num = s.substring(start, p);
                if (p < s.length() && s.charAt(p) == 'L') {
                    p++;
                }
                try {
                    dims.add(Integer.parseInt(num));
                } catch (NumberFormatException e) {
                    throw err("dimension " + num + " is too large");
                }
                skipWs();
                if (peek() == ',') {
                    p++;
                } else if (peek() != ')') {
                    throw err("expected ',' or ')' in shape");
                }
            }
        }

        private String string() {
            skipWs();
            char q = peek();
            if (q != '\'' && q != '"') {
                throw err("expected a quoted string");
            }
            int end = s.indexOf(q, p + 1);
            if (end < 0) {
                throw err("unterminated string");
            }
            String r = s.substring(p + 1, end);
            p = end + 1;
            return r;
        }

        private void expect(char c) {
            skipWs();
            if (peek() != c) {
                throw err("expected '" + c + "'");
            }
            p++;
        }

        private char peek() {
            if (p >= s.length()) {
                throw err("the header ends early");
            }
            return s.charAt(p);
        }

        private void skipWs() {
            while (p < s.length() && Character.isWhitespace(s.charAt(p))) {
                p++;
            }
        }

        private IllegalArgumentException err(String what) {
            return bad(source, what + " at header position " + p + " in " + s.strip());
        }
    }
}
