package carnot.kernels.elementwise;

import carnot.kernels.Binary;
import carnot.kernels.DType;
import carnot.kernels.Elem;
import carnot.kernels.Unary;

import java.lang.foreign.MemorySegment;

/**
 * Scalar reference for unary, affine, broadcast binary and where, computed in double and rounded to the buffer
 * dtype. Activations use overflow-free forms with {@code e = exp(-|x|)}:
 * sigmoid = x &ge; 0 ? 1/(1+e) : e/(1+e); sigmoid' = e/(1+e)^2; softplus = max(x,0) + log1p(e);
 * tanh' = 4 e2/(1+e2)^2 with e2 = exp(-2|x|); gelu = x * sigmoid(2z), z = sqrt(2/pi)(x + 0.044715 x^3)
 * (equal to 0.5 x (1 + tanh z)); gelu' = s + x s (1-s) 2 z', z' = sqrt(2/pi)(1 + 3 * 0.044715 x^2).
 */
public final class ElementwiseRef {
    /** sqrt(2/pi). */
    public static final double GELU_C = 0.7978845608028654;
    /** Cubic coefficient of the tanh GELU. */
    public static final double GELU_A = 0.044715;

    private ElementwiseRef() {
    }

    /** The scalar function of {@code op} in double. */
    public static double apply(Unary op, double x) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case SQUARE -> x * x;
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case RECIP -> 1.0 / x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case TANH -> Math.tanh(x);
            case RELU -> Math.max(x, 0.0);
            case GELU -> x * sigmoid(2 * GELU_C * (x + GELU_A * x * x * x));
            case SIGMOID -> sigmoid(x);
            case SOFTPLUS -> Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
            case D_TANH -> {
                double e = Math.exp(-2 * Math.abs(x));
                yield 4 * e / ((1 + e) * (1 + e));
            }
            case D_RELU -> x > 0 ? 1.0 : 0.0;
            case D_GELU -> {
                double z = 2 * GELU_C * (x + GELU_A * x * x * x);
                double dz = 2 * GELU_C * (1 + 3 * GELU_A * x * x);
                double s = sigmoid(z);
                double e = Math.exp(-Math.abs(z));
                yield s + x * dz * e / ((1 + e) * (1 + e));
            }
            case D_SIGMOID -> {
                double e = Math.exp(-Math.abs(x));
                yield e / ((1 + e) * (1 + e));
            }
            case D_SOFTPLUS -> sigmoid(x);
        };
    }

    /** Overflow-free logistic function. */
    public static double sigmoid(double x) {
        double e = Math.exp(-Math.abs(x));
        return x >= 0 ? 1 / (1 + e) : e / (1 + e);
    }

    /** The scalar function of {@code op} in double; comparisons give 1 or 0. */
    public static double apply(Binary op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> Math.pow(a, b);
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
            case EQ -> a == b ? 1 : 0;
            case TANH_BACKWARD -> a * (1 - b * b);
            case SIGMOID_BACKWARD -> a * (b * (1 - b));
            case GELU_BACKWARD -> a * apply(Unary.D_GELU, b);
        };
    }

    /** {@code out[i] = op(x[i])} for i in [from, to). */
    public static void unary(Unary op, DType t, MemorySegment x, MemorySegment out, long from, long to) {
        for (long i = from; i < to; i++) {
            Elem.set(out, t, i, apply(op, Elem.get(x, t, i)));
        }
    }

    /** {@code out[i] = alpha x[i] + beta} for i in [from, to). */
    public static void affine(DType t, MemorySegment x, MemorySegment out, long from, long to, double alpha,
                              double beta) {
        for (long i = from; i < to; i++) {
            Elem.set(out, t, i, alpha * Elem.get(x, t, i) + beta);
        }
    }

    /**
     * {@code out[i] = f'(x[i])} of the tanh-form GELU with the roundings of the op sequence of
     * {@code carnot.engine.ops.Gelu#derivative} run as separate reference kernels (each result rounded to the
     * dtype; see {@link ElementwiseSimd#geluDerivative}).
     */
    public static void geluDerivative(DType t, MemorySegment x, MemorySegment out, long from, long to, double a,
                                      double c) {
        boolean f32 = t == DType.F32;
        for (long i = from; i < to; i++) {
            double v = Elem.get(x, t, i);
            double x2 = round(f32, v * v);
            double u = round(f32, c * round(f32, round(f32, round(f32, a * x2 + 0.0) + 1.0) * v) + 0.0);
            double left = round(f32, 0.5 * round(f32, round(f32, apply(Unary.TANH, u)) + 1.0) + 0.0);
            double r1 = round(f32, v * round(f32, apply(Unary.D_TANH, u)));
            double right = round(f32, 0.5 * c * round(f32, r1 * round(f32, round(f32, 3 * a * x2 + 0.0) + 1.0)) + 0.0);
            Elem.set(out, t, i, left + right);
        }
    }

    private static double round(boolean f32, double v) {
        return f32 ? (float) v : v;
    }

    /** {@code out[i] = mask[i] != 0 ? a[i] : b[i]} for i in [from, to). */
    public static void where(DType t, MemorySegment mask, MemorySegment a, MemorySegment b, MemorySegment out,
                             long from, long to) {
        for (long i = from; i < to; i++) {
            Elem.set(out, t, i, Elem.get(mask, t, i) != 0 ? Elem.get(a, t, i) : Elem.get(b, t, i));
        }
    }

    /**
     * gelu''(x) of the tanh form written as {@code x sigmoid(z)}, {@code z = 2c (x + a x^3)}:
     * {@code sigmoid'(z) (2 z' + x z'' + x z'^2 (1 - 2 sigmoid(z)))} with {@code z' = 2c (1 + 3a x^2)},
     * {@code z'' = 12 a c x}; 0 where {@code sigmoid'(z) = e / (1 + e)^2} (e = exp(-|z|)) underflows to 0, so
     * large |x| give 0, not inf * 0.
     */
    public static double geluSecond(double x) {
        double z = 2 * GELU_C * (x + GELU_A * x * x * x);
        double dz = 2 * GELU_C * (1 + 3 * GELU_A * x * x);
        double ddz = 12 * GELU_C * GELU_A * x;
        double e = Math.exp(-Math.abs(z));
        double slope = e / ((1 + e) * (1 + e));
        return slope == 0 ? 0 : slope * (2 * dz + x * ddz + x * dz * dz * (1 - 2 * sigmoid(z)));
    }

    /**
     * {@code out[i] = tg[i] gelu'(x[i]) + g[i] tx[i] gelu''(x[i])} for i in [from, to), in f64, rounded once
     * (gelu' as {@link Unary#D_GELU}, gelu'' as {@link #geluSecond}).
     */
    public static void geluBackwardTangent(DType t, MemorySegment tg, MemorySegment g, MemorySegment x,
                                           MemorySegment tx, MemorySegment out, long from, long to) {
        for (long i = from; i < to; i++) {
            double xi = Elem.get(x, t, i);
            Elem.set(out, t, i, Elem.get(tg, t, i) * apply(Unary.D_GELU, xi)
                    + Elem.get(g, t, i) * Elem.get(tx, t, i) * geluSecond(xi));
        }
    }

    /** {@code out[i] = tg[i] y[i] (1 - y[i]) + g[i] ty[i] (1 - 2 y[i])} for i in [from, to), in f64, rounded once. */
    public static void sigmoidBackwardTangent(DType t, MemorySegment tg, MemorySegment g, MemorySegment y,
                                              MemorySegment ty, MemorySegment out, long from, long to) {
        for (long i = from; i < to; i++) {
            double yi = Elem.get(y, t, i);
            Elem.set(out, t, i, Elem.get(tg, t, i) * (yi * (1 - yi)) + Elem.get(g, t, i) * Elem.get(ty, t, i) * (1 - 2 * yi));
        }
    }

    /** {@code out[i] = tg[i] (1 - y[i]^2) - 2 g[i] y[i] ty[i]} for i in [from, to), in f64, rounded once. */
    public static void tanhBackwardTangent(DType t, MemorySegment tg, MemorySegment g, MemorySegment y,
                                           MemorySegment ty, MemorySegment out, long from, long to) {
        for (long i = from; i < to; i++) {
            double yi = Elem.get(y, t, i);
            Elem.set(out, t, i, Elem.get(tg, t, i) * (1 - yi * yi) - 2 * Elem.get(g, t, i) * yi * Elem.get(ty, t, i));
        }
    }

    /** A run: {@code out[io + q] = op(a[ia + q * sa], b[ib + q * sb])} for q &lt; len. */
    public static void binaryRun(Binary op, DType t, MemorySegment a, long ia, long sa, MemorySegment b, long ib,
                                 long sb, MemorySegment out, long io, long len) {
        for (long q = 0; q < len; q++) {
            Elem.set(out, t, io + q, apply(op, Elem.get(a, t, ia + q * sa), Elem.get(b, t, ib + q * sb)));
        }
    }

    /**
     * Broadcast binary over the dense output rows {@code [rowFrom, rowTo)}, where a row is the innermost axis
     * of {@code shape} (rank 0 is one row of one element).
     */
    public static void binary(Binary op, DType t, MemorySegment a, MemorySegment b, MemorySegment out, int[] shape,
                              long[] sa, long offA, long[] sb, long offB, long rowFrom, long rowTo) {
        int rank = shape.length;
        if (rank == 0) {
            if (rowFrom < rowTo) {
                binaryRun(op, t, a, offA, 0, b, offB, 0, out, 0, 1);
            }
            return;
        }
        long inner = shape[rank - 1];
        long ia0 = sa[rank - 1];
        long ib0 = sb[rank - 1];
        for (long r = rowFrom; r < rowTo; r++) {
            long rem = r;
            long pa = offA;
            long pb = offB;
            for (int d = rank - 2; d >= 0; d--) {
                long i = rem % shape[d];
                rem /= shape[d];
                pa += i * sa[d];
                pb += i * sb[d];
            }
            binaryRun(op, t, a, pa, ia0, b, pb, ib0, out, r * inner, inner);
        }
    }

    /** Number of rows (products of all but the innermost extent; 1 for rank 0) of a broadcast shape. */
    public static long rows(int[] shape) {
        long r = 1;
        for (int d = 0; d < shape.length - 1; d++) {
            r *= shape[d];
        }
        return shape.length == 0 ? 1 : (shape[shape.length - 1] == 0 ? 0 : r);
    }
}
