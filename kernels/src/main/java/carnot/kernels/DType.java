package carnot.kernels;

/** Element types a {@link Buffer} can hold. Floating types are what tensors compute in; I32 holds indices. */
public enum DType {
    F32(4),
    F64(8),
    I32(4);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** True for F32 and F64. */
    public boolean isFloating() {
        return this != I32;
    }

    /** Parses "f32"/"f64"/"i32" (any case); the error names what was given. */
    public static DType parse(String s) {
        for (DType d : values()) {
            if (d.name().equalsIgnoreCase(s)) {
                return d;
            }
        }
        throw new IllegalArgumentException("dtype must be one of f32, f64, i32; given '" + s + "'");
    }
}
