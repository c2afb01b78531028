package carnot.engine.io;

/** Element types Carnot reads and writes in {@code .npy}: little-endian {@code <f4 <f8 <i4 <i8}. */
public enum NpyType {
    F32("f4", 4, "float[]"),
    F64("f8", 8, "double[]"),
    I32("i4", 4, "int[]"),
    I64("i8", 8, "long[]");

    private final String code;
    private final int bytes;
    private final String javaArrayName;

    NpyType(String code, int bytes, String javaArrayName) {
        this.code = code;
        this.bytes = bytes;
        this.javaArrayName = javaArrayName;
    }

    /** The NumPy type code without byte order, e.g. {@code f8}. */
    public String code() {
        return code;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    String javaArrayName() {
        return javaArrayName;
    }

    /** True for F32 and F64. */
    public boolean isFloating() {
        return this == F32 || this == F64;
    }

    /** The type with this NumPy code ({@code f4 f8 i4 i8}), or null. */
    static NpyType ofCode(String code) {
        for (NpyType t : values()) {
            if (t.code.equals(code)) {
                return t;
            }
        }
        return null;
    }
}
