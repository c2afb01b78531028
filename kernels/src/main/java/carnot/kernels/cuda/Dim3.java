package carnot.kernels.cuda;

/** A CUDA grid or block extent {@code (x, y, z)}, each >= 1. */
public record Dim3(int x, int y, int z) {
    public Dim3 {
        if (x < 1 || y < 1 || z < 1) {
            throw new IllegalArgumentException("grid/block extents must be >= 1; given (" + x + "," + y + "," + z + ")");
        }
    }

    /** A 1-D extent {@code (x, 1, 1)}. */
    public static Dim3 of(int x) {
        return new Dim3(x, 1, 1);
    }

    @Override
    public String toString() {
        return "(" + x + "," + y + "," + z + ")";
    }
}
