package carnot.kernels.cuda;

import carnot.kernels.Binary;
import carnot.kernels.DType;
import carnot.kernels.Reduce;
import carnot.kernels.Unary;

/**
 * How host-side arguments are encoded for the kernels of {@code src/main/cuda}: op codes (fixed integers, never
 * enum ordinals), the by-value {@code carnot::View} struct of broadcasts and strided copies, and the stable
 * scatter buckets of the deterministic scatter-add.
 */
final class CudaEncoding {
    private CudaEncoding() {
    }

    /**
     * The {@code carnot::View} struct (27 words: rank, shape[8], strideA[8], strideB[8], offA, offB) of a broadcast,
     * with extent-1 axes dropped and adjacent axes merged where both operands are contiguous across them.
     */
    static long[] viewWords(int[] shape, long[] sa, long offA, long[] sb, long offB) {
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

    /** The op code of elementwise.cu for a unary op. */
    static int code(Unary op) {
        return switch (op) {
            case NEG -> 0;
            case ABS -> 1;
            case SIGN -> 2;
            case SQUARE -> 3;
            case SQRT -> 4;
            case RSQRT -> 5;
            case RECIP -> 6;
            case EXP -> 7;
            case LOG -> 8;
            case TANH -> 9;
            case RELU -> 10;
            case GELU -> 11;
            case SIGMOID -> 12;
            case SOFTPLUS -> 13;
            case D_TANH -> 14;
            case D_RELU -> 15;
            case D_GELU -> 16;
            case D_SIGMOID -> 17;
            case D_SOFTPLUS -> 18;
        };
    }

    /** The op code of elementwise.cu for a binary op. */
    static int code(Binary op) {
        return switch (op) {
            case ADD -> 0;
            case SUB -> 1;
            case MUL -> 2;
            case DIV -> 3;
            case POW -> 4;
            case MAX -> 5;
            case MIN -> 6;
            case GT -> 7;
            case GE -> 8;
            case EQ -> 9;
            case TANH_BACKWARD -> 10;
        };
    }

    /** The op code of reduce.cu for a reduction. */
    static int code(Reduce op) {
        return switch (op) {
            case SUM -> 0;
            case MAX -> 1;
            case MIN -> 2;
            case SUMSQ -> 3;
        };
    }

    /**
     * Stable buckets of source rows by target row, packed as [perm (n) | start (u + 1) | rows (u)] where rows are
     * the u distinct targets in ascending order and perm lists, per target, its sources in ascending i.
     */
    static int[] buckets(int[] idx, int tableRows) {
        int n = idx.length;
        int[] count = new int[tableRows + 1];
        for (int r : idx) {
            count[r + 1]++;
        }
        int touched = 0;
        for (int r = 0; r < tableRows; r++) {
            touched += count[r + 1] > 0 ? 1 : 0;
            count[r + 1] += count[r];
        }
        int[] packed = new int[n + 2 * touched + 1];
        int[] next = count.clone();
        for (int i = 0; i < n; i++) {
            packed[next[idx[i]]++] = i;
        }
        int k = 0;
        for (int r = 0; r < tableRows; r++) {
            if (count[r + 1] > count[r]) {
                packed[n + k] = count[r];
                packed[n + touched + 1 + k] = r;
                k++;
            }
        }
        packed[n + touched] = n;
        return packed;
    }

    /** The kernel-name suffix of a dtype: f32, f64 or i32. */
    static String sfx(DType t) {
        return switch (t) {
            case F32 -> "f32";
            case F64 -> "f64";
            case I32 -> "i32";
        };
    }

    /** Threads per block of row kernels: the next power of two >= cols, clamped to [32, 256]. */
    static int rowBlock(int cols) {
        int b = 32;
        while (b < cols && b < 256) {
            b <<= 1;
        }
        return b;
    }
}
