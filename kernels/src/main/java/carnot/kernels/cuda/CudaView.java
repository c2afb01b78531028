package carnot.kernels.cuda;

/**
 * The by-value {@code carnot::View} struct of {@code carnot_cuda.h} that broadcasting binary ops and strided
 * copies pass to their kernels: 27 words {@code rank, shape[8], strideA[8], strideB[8], offA, offB}.
 */
public final class CudaView {
    private CudaView() {
    }

    /**
     * The words of a broadcast (operand strides {@code sa}, {@code sb}, offsets {@code offA}, {@code offB}), with
     * extent-1 axes dropped and adjacent axes d-1, d merged where both operands are contiguous across them
     * ({@code stride[d-1] = stride[d] * shape[d]}).
     */
    public static long[] words(int[] shape, long[] sa, long offA, long[] sb, long offB) {
        long[] s = new long[8];
        long[] a = new long[8];
        long[] b = new long[8];
        int r = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) {
                continue;
            }
            if (r > 0 && a[r - 1] == sa[d] * shape[d] && b[r - 1] == sb[d] * shape[d]) {
                s[r - 1] *= shape[d];
                a[r - 1] = sa[d];
                b[r - 1] = sb[d];
            } else {
                s[r] = shape[d];
                a[r] = sa[d];
                b[r] = sb[d];
                r++;
            }
        }
        long[] w = new long[27];
        w[0] = r;
        System.arraycopy(s, 0, w, 1, 8);
        System.arraycopy(a, 0, w, 9, 8);
        System.arraycopy(b, 0, w, 17, 8);
        w[25] = offA;
        w[26] = offB;
        return w;
    }
}
