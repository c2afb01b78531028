package carnot.kernels.layernorm;

import carnot.kernels.DType;
import carnot.kernels.Elem;

import java.lang.foreign.MemorySegment;

/**
 * Scalar reference layer norm in f64 (two-pass mean and biased variance). Forward:
 * {@code mean = sum x / cols}, {@code var = sum (x - mean)^2 / cols}, {@code rstd = 1 / sqrt(var + eps)},
 * {@code out = (x - mean) rstd}. Backward: {@code xhat = (x - mean) rstd},
 * {@code dx = rstd (dy - mean(dy) - xhat mean(dy xhat))}. Arguments are assumed validated.
 */
public final class LayerNormRef {
    private LayerNormRef() {
    }

    /** Forward over rows {@code [rowFrom, rowTo)}; out may be x. */
    public static void forward(DType t, MemorySegment x, MemorySegment out, MemorySegment mean, MemorySegment rstd,
                               int cols, double eps, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            long base = (long) r * cols;
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += Elem.get(x, t, base + j);
            }
            double mu = s / cols;
            double v = 0;
            for (int j = 0; j < cols; j++) {
                double d = Elem.get(x, t, base + j) - mu;
                v += d * d;
            }
            double rs = 1 / Math.sqrt(v / cols + eps);
            for (int j = 0; j < cols; j++) {
                Elem.set(out, t, base + j, (Elem.get(x, t, base + j) - mu) * rs);
            }
            Elem.set(mean, t, r, mu);
            Elem.set(rstd, t, r, rs);
        }
    }

    /** Backward over rows {@code [rowFrom, rowTo)} using the stored mean and rstd; dx may be dy. */
    public static void backward(DType t, MemorySegment dy, MemorySegment x, MemorySegment mean, MemorySegment rstd,
                                MemorySegment dx, int cols, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            long base = (long) r * cols;
            double mu = Elem.get(mean, t, r);
            double rs = Elem.get(rstd, t, r);
            double sdy = 0;
            double sdyx = 0;
            for (int j = 0; j < cols; j++) {
                double g = Elem.get(dy, t, base + j);
                sdy += g;
                sdyx += g * (Elem.get(x, t, base + j) - mu) * rs;
            }
            double mdy = sdy / cols;
            double mdyx = sdyx / cols;
            for (int j = 0; j < cols; j++) {
                double xhat = (Elem.get(x, t, base + j) - mu) * rs;
                Elem.set(dx, t, base + j, rs * (Elem.get(dy, t, base + j) - mdy - xhat * mdyx));
            }
        }
    }
}
