package carnot.kernels.attention;

import carnot.kernels.DType;
import carnot.kernels.elementwise.VecF32;
import carnot.kernels.elementwise.VecF64;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Vector API forward-mode tangent of causal attention ({@code Backend.attentionJvp}) with the formulas of
 * {@link AttentionRef#jvp}, one (batch, head) pair at a time in the style of {@link AttentionSimd} (whose score and
 * axpy loops it uses): per pair K and K' transposed ([dh, tk]) and V, V' copied into arrays; per query row the
 * score rows {@code q . K}, {@code q' . K} and {@code q . K'} as vector loops over keys, one vector pass giving
 * {@code p = exp(scale s - lse)}, {@code p ds} and {@code A = sum p ds} (f64 over lanes), then per key the axpys
 * {@code acc += p V'_j + p ds V_j}, and {@code out' = acc - A out}. Rows of length tk only; no tq x tk matrix is
 * stored. Arithmetic in the dtype except A. Arguments are assumed validated.
 */
public final class AttentionJvpSimd {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final int NF32 = VecF32.S.length();
    private static final int NF64 = VecF64.S.length();

    private AttentionJvpSimd() {
    }

    /** Jvp over (batch, head) pairs {@code [from, to)}; writes every element of outDot of those pairs. */
    public static void jvp(DType t, MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment out,
                           MemorySegment lse, MemorySegment qDot, MemorySegment kDot, MemorySegment vDot,
                           MemorySegment outDot, int heads, int tq, int tk, int dh, double scale, int from, int to) {
        if (t == DType.F32) {
            jvpF32(q, k, v, out, lse, qDot, kDot, vDot, outDot, heads, tq, tk, dh, scale, from, to);
        } else {
            jvpF64(q, k, v, out, lse, qDot, kDot, vDot, outDot, heads, tq, tk, dh, scale, from, to);
        }
    }

    private static void jvpF32(MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment out,
                               MemorySegment lse, MemorySegment qDot, MemorySegment kDot, MemorySegment vDot,
                               MemorySegment outDot, int heads, int tq, int tk, int dh, double scale, int from,
                               int to) {
        long rs = (long) heads * dh;
        int shift = tk - tq;
        float[] kt = new float[dh * tk];
        float[] kdt = new float[dh * tk];
        float[] vr = new float[tk * dh];
        float[] vdr = new float[tk * dh];
        float[] qi = new float[dh];
        float[] qdi = new float[dh];
        float[] acc = new float[dh];
        float[] s = new float[tk];
        float[] ds = new float[tk];
        float[] dt = new float[tk];
        for (int p = from; p < to; p++) {
            int b = p / heads;
            int h = p % heads;
            long qb = (long) b * tq * rs + (long) h * dh;
            long kb = (long) b * tk * rs + (long) h * dh;
            for (int j = 0; j < tk; j++) {
                long ko = kb + j * rs;
                for (int c = 0; c < dh; c++) {
                    kt[c * tk + j] = k.getAtIndex(F, ko + c);
                    kdt[c * tk + j] = kDot.getAtIndex(F, ko + c);
                }
                MemorySegment.copy(v, F, ko * 4, vr, j * dh, dh);
                MemorySegment.copy(vDot, F, ko * 4, vdr, j * dh, dh);
            }
            for (int i = 0; i < tq; i++) {
                long qo = qb + i * rs;
                MemorySegment.copy(q, F, qo * 4, qi, 0, dh);
                MemorySegment.copy(qDot, F, qo * 4, qdi, 0, dh);
                int n = i + shift + 1;
                AttentionSimd.scoresF32(qi, kt, tk, dh, n, s);
                AttentionSimd.scoresF32(qdi, kt, tk, dh, n, ds);
                AttentionSimd.scoresF32(qi, kdt, tk, dh, n, dt);
                double a = probsF32(s, ds, dt, n, (float) scale, lse.getAtIndex(F, (long) p * tq + i));
                java.util.Arrays.fill(acc, 0);
                for (int j = 0; j < n; j++) {
                    AttentionSimd.axpyF32(s[j], vdr, j * dh, acc, 0, dh);
                    AttentionSimd.axpyF32(ds[j], vr, j * dh, acc, 0, dh);
                }
                for (int c = 0; c < dh; c++) {
                    outDot.setAtIndex(F, qo + c, (float) (acc[c] - a * out.getAtIndex(F, qo + c)));
                }
            }
        }
    }

    /**
     * {@code s[j] = p = exp(scale s[j] - lse)}, {@code ds[j] = p scale (ds[j] + dt[j])} for j &lt; n; returns
     * {@code A = sum_j ds[j]} (f64, lane order).
     */
    private static double probsF32(float[] s, float[] ds, float[] dt, int n, float scale, float lse) {
        int top = n - n % NF32;
        FloatVector a = FloatVector.broadcast(VecF32.S, scale);
        FloatVector b = FloatVector.broadcast(VecF32.S, -lse);
        FloatVector sum = FloatVector.zero(VecF32.S);
        int j = 0;
        for (; j < top; j += NF32) {
            FloatVector e = VecF32.exp(FloatVector.fromArray(VecF32.S, s, j).fma(a, b));
            e.intoArray(s, j);
            FloatVector d = FloatVector.fromArray(VecF32.S, ds, j).add(FloatVector.fromArray(VecF32.S, dt, j)).mul(a)
                    .mul(e);
            d.intoArray(ds, j);
            sum = sum.add(d);
        }
        double r = 0;
        for (int z = 0; z < NF32; z++) {
            r += sum.lane(z);
        }
        for (; j < n; j++) {
            s[j] = (float) Math.exp(s[j] * scale - lse);
            ds[j] = (ds[j] + dt[j]) * scale * s[j];
            r += ds[j];
        }
        return r;
    }

    private static void jvpF64(MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment out,
                               MemorySegment lse, MemorySegment qDot, MemorySegment kDot, MemorySegment vDot,
                               MemorySegment outDot, int heads, int tq, int tk, int dh, double scale, int from,
                               int to) {
        long rs = (long) heads * dh;
        int shift = tk - tq;
        double[] kt = new double[dh * tk];
        double[] kdt = new double[dh * tk];
        double[] vr = new double[tk * dh];
        double[] vdr = new double[tk * dh];
        double[] qi = new double[dh];
        double[] qdi = new double[dh];
        double[] acc = new double[dh];
        double[] s = new double[tk];
        double[] ds = new double[tk];
        double[] dt = new double[tk];
        for (int p = from; p < to; p++) {
            int b = p / heads;
            int h = p % heads;
            long qb = (long) b * tq * rs + (long) h * dh;
            long kb = (long) b * tk * rs + (long) h * dh;
            for (int j = 0; j < tk; j++) {
                long ko = kb + j * rs;
                for (int c = 0; c < dh; c++) {
                    kt[c * tk + j] = k.getAtIndex(D, ko + c);
                    kdt[c * tk + j] = kDot.getAtIndex(D, ko + c);
                }
                MemorySegment.copy(v, D, ko * 8, vr, j * dh, dh);
                MemorySegment.copy(vDot, D, ko * 8, vdr, j * dh, dh);
            }
            for (int i = 0; i < tq; i++) {
                long qo = qb + i * rs;
                MemorySegment.copy(q, D, qo * 8, qi, 0, dh);
                MemorySegment.copy(qDot, D, qo * 8, qdi, 0, dh);
                int n = i + shift + 1;
                AttentionSimd.scoresF64(qi, kt, tk, dh, n, s);
                AttentionSimd.scoresF64(qdi, kt, tk, dh, n, ds);
                AttentionSimd.scoresF64(qi, kdt, tk, dh, n, dt);
                double a = probsF64(s, ds, dt, n, (double) scale, lse.getAtIndex(D, (long) p * tq + i));
                java.util.Arrays.fill(acc, 0);
                for (int j = 0; j < n; j++) {
                    AttentionSimd.axpyF64(s[j], vdr, j * dh, acc, 0, dh);
                    AttentionSimd.axpyF64(ds[j], vr, j * dh, acc, 0, dh);
                }
                for (int c = 0; c < dh; c++) {
                    outDot.setAtIndex(D, qo + c, (double) (acc[c] - a * out.getAtIndex(D, qo + c)));
                }
            }
        }
    }

    /**
     * {@code s[j] = p = exp(scale s[j] - lse)}, {@code ds[j] = p scale (ds[j] + dt[j])} for j &lt; n; returns
     * {@code A = sum_j ds[j]} (f64, lane order).
     */
    private static double probsF64(double[] s, double[] ds, double[] dt, int n, double scale, double lse) {
        int top = n - n % NF64;
        DoubleVector a = DoubleVector.broadcast(VecF64.S, scale);
        DoubleVector b = DoubleVector.broadcast(VecF64.S, -lse);
        DoubleVector sum = DoubleVector.zero(VecF64.S);
        int j = 0;
        for (; j < top; j += NF64) {
            DoubleVector e = VecF64.exp(DoubleVector.fromArray(VecF64.S, s, j).fma(a, b));
            e.intoArray(s, j);
            DoubleVector d = DoubleVector.fromArray(VecF64.S, ds, j).add(DoubleVector.fromArray(VecF64.S, dt, j)).mul(a)
                    .mul(e);
            d.intoArray(ds, j);
            sum = sum.add(d);
        }
        double r = 0;
        for (int z = 0; z < NF64; z++) {
            r += sum.lane(z);
        }
        for (; j < n; j++) {
            s[j] = (double) Math.exp(s[j] * scale - lse);
            ds[j] = (ds[j] + dt[j]) * scale * s[j];
            r += ds[j];
        }
        return r;
    }
}
