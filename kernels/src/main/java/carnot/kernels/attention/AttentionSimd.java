package carnot.kernels.attention;

import carnot.kernels.DType;
import carnot.kernels.elementwise.VecF32;
import carnot.kernels.elementwise.VecF64;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Vector API causal attention with the formulas of {@link AttentionRef}, one (batch, head) pair at a time (the
 * CPU backend splits pairs across its pool; a pair is always computed by the same code, so results are bitwise
 * the same for every thread count). Per pair, K (transposed, [dh, tk]) and V are copied into arrays; per query row
 * the scores of the visible keys are a vector loop over keys ({@code s += q_c * Kt[c, :]}), then a vector exp pass
 * (the exp polynomial of {@link VecF32}/{@link VecF64}) with the sum of the row, and the output a vector axpy over
 * dh per key. The score row is tk long; no tq x tk matrix is stored. Arithmetic in the dtype except the row sums
 * (f64 over lanes) and D. Backward per row: scores and {@code dP = dOut V^T} as vector loops over keys,
 * {@code P = exp(scale s - lse)}, {@code dS = P (dP - D)}, then per key the axpys into dq, dk and dv (dk, dv
 * accumulated per pair in arrays). Arguments are assumed validated.
 */
public final class AttentionSimd {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final int NF32 = VecF32.S.length();
    private static final int NF64 = VecF64.S.length();

    private AttentionSimd() {
    }

    /** Forward over (batch, head) pairs {@code [from, to)}. */
    public static void forward(DType t, MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment out,
                               MemorySegment lse, int heads, int tq, int tk, int dh, double scale, int from, int to) {
        if (t == DType.F32) {
            forwardF32(q, k, v, out, lse, heads, tq, tk, dh, scale, from, to);
        } else {
            forwardF64(q, k, v, out, lse, heads, tq, tk, dh, scale, from, to);
        }
    }

    /** Backward over (batch, head) pairs {@code [from, to)}; writes every element of dq, dk, dv of those pairs. */
    public static void backward(DType t, MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment out,
                                MemorySegment lse, MemorySegment dOut, MemorySegment dq, MemorySegment dk,
                                MemorySegment dv, int heads, int tq, int tk, int dh, double scale, int from, int to) {
        if (t == DType.F32) {
            backwardF32(q, k, v, out, lse, dOut, dq, dk, dv, heads, tq, tk, dh, scale, from, to);
        } else {
            backwardF64(q, k, v, out, lse, dOut, dq, dk, dv, heads, tq, tk, dh, scale, from, to);
        }
    }

    // ---- f32 ---------------------------------------------------------------------------------------------------

    private static void forwardF32(MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment out,
                                  MemorySegment lse, int heads, int tq, int tk, int dh, double scale, int from, int to) {
        long rs = (long) heads * dh;
        int shift = tk - tq;
        float[] kt = new float[dh * tk];
        float[] vr = new float[tk * dh];
        float[] qi = new float[dh];
        float[] s = new float[tk];
        float[] o = new float[dh];
        for (int p = from; p < to; p++) {
            int b = p / heads;
            int h = p % heads;
            long qb = (long) b * tq * rs + (long) h * dh;
            long kb = (long) b * tk * rs + (long) h * dh;
            for (int j = 0; j < tk; j++) {
                for (int c = 0; c < dh; c++) {
                    kt[c * tk + j] = k.getAtIndex(F, kb + j * rs + c);
                }
                MemorySegment.copy(v, F, (kb + j * rs) * 4, vr, j * dh, dh);
            }
            for (int i = 0; i < tq; i++) {
                long qo = qb + i * rs;
                MemorySegment.copy(q, F, qo * 4, qi, 0, dh);
                int n = i + shift + 1;
                scoresF32(qi, kt, tk, dh, n, s);
                float ms = maxScaledF32(s, n, (float) scale);
                double l = expF32(s, n, (float) scale, ms);
                java.util.Arrays.fill(o, 0);
                for (int j = 0; j < n; j++) {
                    axpyF32(s[j], vr, j * dh, o, 0, dh);
                }
                double inv = 1 / l;
                for (int c = 0; c < dh; c++) {
                    out.setAtIndex(F, qo + c, (float) (o[c] * inv));
                }
                lse.setAtIndex(F, (long) p * tq + i, (float) (ms + Math.log(l)));
            }
        }
    }

    private static void backwardF32(MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment out,
                                   MemorySegment lse, MemorySegment dOut, MemorySegment dq, MemorySegment dk,
                                   MemorySegment dv, int heads, int tq, int tk, int dh, double scale, int from, int to) {
        long rs = (long) heads * dh;
        int shift = tk - tq;
        float[] kt = new float[dh * tk];
        float[] vt = new float[dh * tk];
        float[] kr = new float[tk * dh];
        float[] gk = new float[tk * dh];
        float[] gv = new float[tk * dh];
        float[] qi = new float[dh];
        float[] gi = new float[dh];
        float[] oi = new float[dh];
        float[] gq = new float[dh];
        float[] s = new float[tk];
        float[] dp = new float[tk];
        for (int p = from; p < to; p++) {
            int b = p / heads;
            int h = p % heads;
            long qb = (long) b * tq * rs + (long) h * dh;
            long kb = (long) b * tk * rs + (long) h * dh;
            for (int j = 0; j < tk; j++) {
                MemorySegment.copy(k, F, (kb + j * rs) * 4, kr, j * dh, dh);
                for (int c = 0; c < dh; c++) {
                    kt[c * tk + j] = kr[j * dh + c];
                    vt[c * tk + j] = v.getAtIndex(F, kb + j * rs + c);
                }
            }
            java.util.Arrays.fill(gk, 0);
            java.util.Arrays.fill(gv, 0);
            for (int i = 0; i < tq; i++) {
                long qo = qb + i * rs;
                MemorySegment.copy(q, F, qo * 4, qi, 0, dh);
                MemorySegment.copy(dOut, F, qo * 4, gi, 0, dh);
                MemorySegment.copy(out, F, qo * 4, oi, 0, dh);
                double dd = 0;
                for (int c = 0; c < dh; c++) {
                    dd += (double) gi[c] * oi[c];
                }
                int n = i + shift + 1;
                scoresF32(qi, kt, tk, dh, n, s);
                scoresF32(gi, vt, tk, dh, n, dp);
                probsF32(s, dp, n, (float) scale, lse.getAtIndex(F, (long) p * tq + i), (float) dd);
                java.util.Arrays.fill(gq, 0);
                for (int j = 0; j < n; j++) {
                    axpyF32(dp[j], kr, j * dh, gq, 0, dh);
                    axpyF32(dp[j], qi, 0, gk, j * dh, dh);
                    axpyF32(s[j], gi, 0, gv, j * dh, dh);
                }
                for (int c = 0; c < dh; c++) {
                    dq.setAtIndex(F, qo + c, (float) (scale * gq[c]));
                }
            }
            for (int j = 0; j < tk; j++) {
                long ko = kb + j * rs;
                for (int c = 0; c < dh; c++) {
                    dk.setAtIndex(F, ko + c, (float) (scale * gk[j * dh + c]));
                }
                MemorySegment.copy(gv, j * dh, dv, F, ko * 4, dh);
            }
        }
    }

    /** {@code s[j] = sum_c x[c] * mt[c * ld + j]} for j < n, vectorized over j. */
    static void scoresF32(float[] x, float[] mt, int ld, int dh, int n, float[] s) {
        java.util.Arrays.fill(s, 0, n, (float) 0);
        int top = n - n % NF32;
        for (int c = 0; c < dh; c++) {
            FloatVector xc = FloatVector.broadcast(VecF32.S, x[c]);
            int row = c * ld;
            int j = 0;
            for (; j < top; j += NF32) {
                FloatVector.fromArray(VecF32.S, mt, row + j).fma(xc, FloatVector.fromArray(VecF32.S, s, j)).intoArray(s, j);
            }
            float xs = x[c];
            for (; j < n; j++) {
                s[j] = Math.fma(xs, mt[row + j], s[j]);
            }
        }
    }

    /** {@code max_j scale s[j]} over j < n. */
    private static float maxScaledF32(float[] s, int n, float scale) {
        float m = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            m = Math.max(m, s[j] * scale);
        }
        return m;
    }

    /** {@code s[j] = exp(scale s[j] - ms)} for j < n (ms = scale max); returns their sum (f64, lane order). */
    private static double expF32(float[] s, int n, float scale, float ms) {
        int top = n - n % NF32;
        FloatVector a = FloatVector.broadcast(VecF32.S, scale);
        FloatVector b = FloatVector.broadcast(VecF32.S, -ms);
        FloatVector acc = FloatVector.zero(VecF32.S);
        int j = 0;
        for (; j < top; j += NF32) {
            FloatVector e = VecF32.exp(FloatVector.fromArray(VecF32.S, s, j).fma(a, b));
            e.intoArray(s, j);
            acc = acc.add(e);
        }
        double l = 0;
        for (int z = 0; z < NF32; z++) {
            l += acc.lane(z);
        }
        for (; j < n; j++) {
            s[j] = (float) Math.exp(s[j] * scale - ms);
            l += s[j];
        }
        return l;
    }

    /** {@code s[j] = P = exp(scale s[j] - lse)}, {@code dp[j] = P (dp[j] - dd)} for j < n. */
    private static void probsF32(float[] s, float[] dp, int n, float scale, float lse, float dd) {
        int top = n - n % NF32;
        FloatVector a = FloatVector.broadcast(VecF32.S, scale);
        FloatVector b = FloatVector.broadcast(VecF32.S, -lse);
        FloatVector d = FloatVector.broadcast(VecF32.S, dd);
        int j = 0;
        for (; j < top; j += NF32) {
            FloatVector e = VecF32.exp(FloatVector.fromArray(VecF32.S, s, j).fma(a, b));
            e.intoArray(s, j);
            e.mul(FloatVector.fromArray(VecF32.S, dp, j).sub(d)).intoArray(dp, j);
        }
        for (; j < n; j++) {
            s[j] = (float) Math.exp(s[j] * scale - lse);
            dp[j] = s[j] * (dp[j] - dd);
        }
    }

    /** {@code y[yo + c] += a * x[xo + c]} for c < n. */
    static void axpyF32(float a, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector av = FloatVector.broadcast(VecF32.S, a);
        int top = n - n % NF32;
        int c = 0;
        for (; c < top; c += NF32) {
            FloatVector.fromArray(VecF32.S, x, xo + c).fma(av, FloatVector.fromArray(VecF32.S, y, yo + c)).intoArray(y, yo + c);
        }
        for (; c < n; c++) {
            y[yo + c] = Math.fma(a, x[xo + c], y[yo + c]);
        }
    }

    // ---- f64 ---------------------------------------------------------------------------------------------------

    private static void forwardF64(MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment out,
                                  MemorySegment lse, int heads, int tq, int tk, int dh, double scale, int from, int to) {
        long rs = (long) heads * dh;
        int shift = tk - tq;
        double[] kt = new double[dh * tk];
        double[] vr = new double[tk * dh];
        double[] qi = new double[dh];
        double[] s = new double[tk];
        double[] o = new double[dh];
        for (int p = from; p < to; p++) {
            int b = p / heads;
            int h = p % heads;
            long qb = (long) b * tq * rs + (long) h * dh;
            long kb = (long) b * tk * rs + (long) h * dh;
            for (int j = 0; j < tk; j++) {
                for (int c = 0; c < dh; c++) {
                    kt[c * tk + j] = k.getAtIndex(D, kb + j * rs + c);
                }
                MemorySegment.copy(v, D, (kb + j * rs) * 8, vr, j * dh, dh);
            }
            for (int i = 0; i < tq; i++) {
                long qo = qb + i * rs;
                MemorySegment.copy(q, D, qo * 8, qi, 0, dh);
                int n = i + shift + 1;
                scoresF64(qi, kt, tk, dh, n, s);
                double ms = maxScaledF64(s, n, (double) scale);
                double l = expF64(s, n, (double) scale, ms);
                java.util.Arrays.fill(o, 0);
                for (int j = 0; j < n; j++) {
                    axpyF64(s[j], vr, j * dh, o, 0, dh);
                }
                double inv = 1 / l;
                for (int c = 0; c < dh; c++) {
                    out.setAtIndex(D, qo + c, (double) (o[c] * inv));
                }
                lse.setAtIndex(D, (long) p * tq + i, (double) (ms + Math.log(l)));
            }
        }
    }

    private static void backwardF64(MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment out,
                                   MemorySegment lse, MemorySegment dOut, MemorySegment dq, MemorySegment dk,
                                   MemorySegment dv, int heads, int tq, int tk, int dh, double scale, int from, int to) {
        long rs = (long) heads * dh;
        int shift = tk - tq;
        double[] kt = new double[dh * tk];
        double[] vt = new double[dh * tk];
        double[] kr = new double[tk * dh];
        double[] gk = new double[tk * dh];
        double[] gv = new double[tk * dh];
        double[] qi = new double[dh];
        double[] gi = new double[dh];
        double[] oi = new double[dh];
        double[] gq = new double[dh];
        double[] s = new double[tk];
        double[] dp = new double[tk];
        for (int p = from; p < to; p++) {
            int b = p / heads;
            int h = p % heads;
            long qb = (long) b * tq * rs + (long) h * dh;
            long kb = (long) b * tk * rs + (long) h * dh;
            for (int j = 0; j < tk; j++) {
                MemorySegment.copy(k, D, (kb + j * rs) * 8, kr, j * dh, dh);
                for (int c = 0; c < dh; c++) {
                    kt[c * tk + j] = kr[j * dh + c];
                    vt[c * tk + j] = v.getAtIndex(D, kb + j * rs + c);
                }
            }
            java.util.Arrays.fill(gk, 0);
            java.util.Arrays.fill(gv, 0);
            for (int i = 0; i < tq; i++) {
                long qo = qb + i * rs;
                MemorySegment.copy(q, D, qo * 8, qi, 0, dh);
                MemorySegment.copy(dOut, D, qo * 8, gi, 0, dh);
                MemorySegment.copy(out, D, qo * 8, oi, 0, dh);
                double dd = 0;
                for (int c = 0; c < dh; c++) {
                    dd += (double) gi[c] * oi[c];
                }
                int n = i + shift + 1;
                scoresF64(qi, kt, tk, dh, n, s);
                scoresF64(gi, vt, tk, dh, n, dp);
                probsF64(s, dp, n, (double) scale, lse.getAtIndex(D, (long) p * tq + i), (double) dd);
                java.util.Arrays.fill(gq, 0);
                for (int j = 0; j < n; j++) {
                    axpyF64(dp[j], kr, j * dh, gq, 0, dh);
                    axpyF64(dp[j], qi, 0, gk, j * dh, dh);
                    axpyF64(s[j], gi, 0, gv, j * dh, dh);
                }
                for (int c = 0; c < dh; c++) {
                    dq.setAtIndex(D, qo + c, (double) (scale * gq[c]));
                }
            }
            for (int j = 0; j < tk; j++) {
                long ko = kb + j * rs;
                for (int c = 0; c < dh; c++) {
                    dk.setAtIndex(D, ko + c, (double) (scale * gk[j * dh + c]));
                }
                MemorySegment.copy(gv, j * dh, dv, D, ko * 8, dh);
            }
        }
    }

    /** {@code s[j] = sum_c x[c] * mt[c * ld + j]} for j < n, vectorized over j. */
    static void scoresF64(double[] x, double[] mt, int ld, int dh, int n, double[] s) {
        java.util.Arrays.fill(s, 0, n, (double) 0);
        int top = n - n % NF64;
        for (int c = 0; c < dh; c++) {
            DoubleVector xc = DoubleVector.broadcast(VecF64.S, x[c]);
            int row = c * ld;
            int j = 0;
            for (; j < top; j += NF64) {
                DoubleVector.fromArray(VecF64.S, mt, row + j).fma(xc, DoubleVector.fromArray(VecF64.S, s, j)).intoArray(s, j);
            }
            double xs = x[c];
            for (; j < n; j++) {
                s[j] = Math.fma(xs, mt[row + j], s[j]);
            }
        }
    }

    /** {@code max_j scale s[j]} over j < n. */
    private static double maxScaledF64(double[] s, int n, double scale) {
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            m = Math.max(m, s[j] * scale);
        }
        return m;
    }

    /** {@code s[j] = exp(scale s[j] - ms)} for j < n (ms = scale max); returns their sum (f64, lane order). */
    private static double expF64(double[] s, int n, double scale, double ms) {
        int top = n - n % NF64;
        DoubleVector a = DoubleVector.broadcast(VecF64.S, scale);
        DoubleVector b = DoubleVector.broadcast(VecF64.S, -ms);
        DoubleVector acc = DoubleVector.zero(VecF64.S);
        int j = 0;
        for (; j < top; j += NF64) {
            DoubleVector e = VecF64.exp(DoubleVector.fromArray(VecF64.S, s, j).fma(a, b));
            e.intoArray(s, j);
            acc = acc.add(e);
        }
        double l = 0;
        for (int z = 0; z < NF64; z++) {
            l += acc.lane(z);
        }
        for (; j < n; j++) {
            s[j] = (double) Math.exp(s[j] * scale - ms);
            l += s[j];
        }
        return l;
    }

    /** {@code s[j] = P = exp(scale s[j] - lse)}, {@code dp[j] = P (dp[j] - dd)} for j < n. */
    private static void probsF64(double[] s, double[] dp, int n, double scale, double lse, double dd) {
        int top = n - n % NF64;
        DoubleVector a = DoubleVector.broadcast(VecF64.S, scale);
        DoubleVector b = DoubleVector.broadcast(VecF64.S, -lse);
        DoubleVector d = DoubleVector.broadcast(VecF64.S, dd);
        int j = 0;
        for (; j < top; j += NF64) {
            DoubleVector e = VecF64.exp(DoubleVector.fromArray(VecF64.S, s, j).fma(a, b));
            e.intoArray(s, j);
            e.mul(DoubleVector.fromArray(VecF64.S, dp, j).sub(d)).intoArray(dp, j);
        }
        for (; j < n; j++) {
            s[j] = (double) Math.exp(s[j] * scale - lse);
            dp[j] = s[j] * (dp[j] - dd);
        }
    }

    /** {@code y[yo + c] += a * x[xo + c]} for c < n. */
    static void axpyF64(double a, double[] x, int xo, double[] y, int yo, int n) {
        DoubleVector av = DoubleVector.broadcast(VecF64.S, a);
        int top = n - n % NF64;
        int c = 0;
        for (; c < top; c += NF64) {
            DoubleVector.fromArray(VecF64.S, x, xo + c).fma(av, DoubleVector.fromArray(VecF64.S, y, yo + c)).intoArray(y, yo + c);
        }
        for (; c < n; c++) {
            y[yo + c] = Math.fma(a, x[xo + c], y[yo + c]);
        }
    }
}
