package carnot.kernels.attention;

import carnot.kernels.DType;
import carnot.kernels.elementwise.VecF32;
import carnot.kernels.elementwise.VecF64;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Vector API forward-mode tangent of causal attention's backward ({@code Backend.attentionBackwardJvp}) with the
 * formulas of {@link AttentionRef#backwardJvp}, one (direction, batch, head) unit at a time in the style of
 * {@link AttentionSimd#backward} (whose score and axpy loops it uses; a unit is always computed by the same code, so
 * results are bitwise the same for every thread count). Per unit K, K', V, V' are copied transposed ([dh, tk]
 * padded to whole vectors with zeros) and K, K' row-major; per query row the six score rows
 * {@code q.K, g.V, q'.K, q.K', g'.V, g.V'} are vector loops over the keys rounded up to whole vectors (no scalar
 * tails; keys past the row's causal limit get P = 0), one vector pass gives {@code P = exp(scale s - lse)}, {@code S'}, {@code dP'} and the sums
 * {@code D = Σ P dP}, {@code a = Σ P S'}, {@code b = Σ P dP'}, {@code c = Σ P dP S'} (f64 over lanes),
 * {@code D' = b + (c - a D)}, a
 * second one {@code P'}, {@code dS}, {@code dS'}; then per key the axpys into dq' of the row and dk', dv' of the
 * key (accumulated per unit in arrays). Rows of length tk only: no tq x tk matrix is stored. Arithmetic in the
 * dtype except the row sums (f64). Arguments are assumed validated.
 */
public final class AttentionBackwardJvpSimd {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final int NF32 = VecF32.S.length();
    private static final int NF64 = VecF64.S.length();

    /**
     * The operands of one call, layout as in {@code Backend.attentionBackwardJvp}: tangents of direction z at
     * {@code z nq} (qDot, dOutDot) and {@code z nk} (kDot, vDot), outputs at {@code z outStride}.
     */
    public record Args(MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment lse,
                       MemorySegment dOut, MemorySegment qDot, MemorySegment kDot, MemorySegment vDot,
                       MemorySegment dOutDot, MemorySegment dqDot, MemorySegment dkDot, MemorySegment dvDot,
                       long outStride, int batch, int heads, int tq, int tk, int dh, double scale) {
    }

    private AttentionBackwardJvpSimd() {
    }

    /**
     * Units {@code [from, to)}, unit {@code u = z * batch * heads + pair}; writes every element of dqDot, dkDot,
     * dvDot of those units.
     */
    public static void backwardJvp(DType t, Args a, int from, int to) {
        if (t == DType.F32) {
            backwardJvpF32(a, from, to);
        } else {
            backwardJvpF64(a, from, to);
        }
    }

    // ---- f32 ---------------------------------------------------------------------------------------------------

    private static void backwardJvpF32(Args x, int from, int to) {
        int heads = x.heads();
        int tq = x.tq();
        int tk = x.tk();
        int dh = x.dh();
        long rs = (long) heads * dh;
        int shift = tk - tq;
        int pairs = x.batch() * heads;
        long nq = (long) pairs * tq * dh;
        long nk = (long) pairs * tk * dh;
        double scale = x.scale();
        int tkp = tk + (NF32 - tk % NF32) % NF32;
        float[] kt = new float[dh * tkp];
        float[] kdt = new float[dh * tkp];
        float[] vt = new float[dh * tkp];
        float[] vdt = new float[dh * tkp];
        float[] kr = new float[tk * dh];
        float[] kdr = new float[tk * dh];
        float[] gk = new float[tk * dh];
        float[] gv = new float[tk * dh];
        float[] qi = new float[dh];
        float[] qdi = new float[dh];
        float[] gi = new float[dh];
        float[] gdi = new float[dh];
        float[] gq = new float[dh];
        float[][] rows = new float[6][tkp];
        for (int u = from; u < to; u++) {
            int z = u / pairs;
            int p = u % pairs;
            int b = p / heads;
            int h = p % heads;
            long qb = (long) b * tq * rs + (long) h * dh;
            long kb = (long) b * tk * rs + (long) h * dh;
            long qt = z * nq;
            long kz = z * nk;
            long ot = z * x.outStride();
            for (int j = 0; j < tk; j++) {
                long ko = kb + j * rs;
                MemorySegment.copy(x.k(), F, ko * 4, kr, j * dh, dh);
                MemorySegment.copy(x.kDot(), F, (kz + ko) * 4, kdr, j * dh, dh);
                for (int c = 0; c < dh; c++) {
                    kt[c * tkp + j] = kr[j * dh + c];
                    kdt[c * tkp + j] = kdr[j * dh + c];
                    vt[c * tkp + j] = x.v().getAtIndex(F, ko + c);
                    vdt[c * tkp + j] = x.vDot().getAtIndex(F, kz + ko + c);
                }
            }
            java.util.Arrays.fill(gk, 0);
            java.util.Arrays.fill(gv, 0);
            for (int i = 0; i < tq; i++) {
                long qo = qb + i * rs;
                MemorySegment.copy(x.q(), F, qo * 4, qi, 0, dh);
                MemorySegment.copy(x.qDot(), F, (qt + qo) * 4, qdi, 0, dh);
                MemorySegment.copy(x.dOut(), F, qo * 4, gi, 0, dh);
                MemorySegment.copy(x.dOutDot(), F, (qt + qo) * 4, gdi, 0, dh);
                int n = i + shift + 1;
                int np = n + (NF32 - n % NF32) % NF32; // whole vectors: keys [n, np) are masked out in rowsF32
                AttentionSimd.scoresF32(qi, kt, tkp, dh, np, rows[0]);
                AttentionSimd.scoresF32(gi, vt, tkp, dh, np, rows[1]);
                AttentionSimd.scoresF32(qdi, kt, tkp, dh, np, rows[2]);
                AttentionSimd.scoresF32(qi, kdt, tkp, dh, np, rows[3]);
                AttentionSimd.scoresF32(gdi, vt, tkp, dh, np, rows[4]);
                AttentionSimd.scoresF32(gi, vdt, tkp, dh, np, rows[5]);
                rowsF32(rows, n, np, (float) scale, x.lse().getAtIndex(F, (long) p * tq + i));
                float[] pr = rows[0];
                float[] ds = rows[1];
                float[] pp = rows[2];
                float[] dsd = rows[3];
                java.util.Arrays.fill(gq, 0);
                for (int j = 0; j < n; j++) {
                    AttentionSimd.axpyF32(dsd[j], kr, j * dh, gq, 0, dh);
                    AttentionSimd.axpyF32(ds[j], kdr, j * dh, gq, 0, dh);
                    AttentionSimd.axpyF32(dsd[j], qi, 0, gk, j * dh, dh);
                    AttentionSimd.axpyF32(ds[j], qdi, 0, gk, j * dh, dh);
                    AttentionSimd.axpyF32(pp[j], gi, 0, gv, j * dh, dh);
                    AttentionSimd.axpyF32(pr[j], gdi, 0, gv, j * dh, dh);
                }
                for (int c = 0; c < dh; c++) {
                    x.dqDot().setAtIndex(F, ot + qo + c, (float) (scale * gq[c]));
                }
            }
            for (int j = 0; j < tk; j++) {
                long ko = kb + j * rs;
                for (int c = 0; c < dh; c++) {
                    x.dkDot().setAtIndex(F, ot + ko + c, (float) (scale * gk[j * dh + c]));
                }
                MemorySegment.copy(gv, j * dh, x.dvDot(), F, (ot + ko) * 4, dh);
            }
        }
    }

    /**
     * The row's score rows {@code r = [q.K, g.V, q'.K, q.K', g'.V, g.V']} (j &lt; np, whole vectors; keys
     * j &ge; n get P = 0, so they add nothing) become
     * {@code [P, dS, P', dS', ., .]}: one vector pass for P, S', dP' and the sums D, a, b, c (f64 over lanes),
     * {@code D' = b + (c - a D)}, then one for P', dS, dS'.
     */
    private static void rowsF32(float[][] r, int n, int np, float scale, float lse) {
        float[] s = r[0];
        float[] dp = r[1];
        float[] sq = r[2];
        float[] sk = r[3];
        float[] wg = r[4];
        float[] wv = r[5];
        FloatVector sc = FloatVector.broadcast(VecF32.S, scale);
        FloatVector nl = FloatVector.broadcast(VecF32.S, -lse);
        FloatVector va = FloatVector.zero(VecF32.S);
        FloatVector vb = FloatVector.zero(VecF32.S);
        FloatVector vc = FloatVector.zero(VecF32.S);
        FloatVector vd = FloatVector.zero(VecF32.S);
        for (int j = 0; j < np; j += NF32) {
            FloatVector e = VecF32.exp(FloatVector.fromArray(VecF32.S, s, j).fma(sc, nl));
            if (j + NF32 > n) {
                e = FloatVector.zero(VecF32.S).blend(e, VecF32.S.indexInRange(j, n));
            }
            e.intoArray(s, j);
            FloatVector sd = FloatVector.fromArray(VecF32.S, sq, j).add(FloatVector.fromArray(VecF32.S, sk, j)).mul(sc);
            sd.intoArray(sq, j);
            FloatVector w = FloatVector.fromArray(VecF32.S, wg, j).add(FloatVector.fromArray(VecF32.S, wv, j));
            w.intoArray(wg, j);
            FloatVector es = e.mul(sd);
            va = va.add(es);
            vb = e.fma(w, vb);
            FloatVector d = FloatVector.fromArray(VecF32.S, dp, j);
            vc = es.fma(d, vc);
            vd = e.fma(d, vd);
        }
        double a = 0;
        double b = 0;
        double c = 0;
        double dd = 0;
        for (int z = 0; z < NF32; z++) {
            a += va.lane(z);
            b += vb.lane(z);
            c += vc.lane(z);
            dd += vd.lane(z);
        }
        float ae = (float) a;
        float de = (float) dd;
        float dde = (float) (b + (c - a * dd));
        FloatVector av = FloatVector.broadcast(VecF32.S, ae);
        FloatVector dv = FloatVector.broadcast(VecF32.S, de);
        FloatVector ddv = FloatVector.broadcast(VecF32.S, dde);
        for (int j = 0; j < np; j += NF32) {
            FloatVector e = FloatVector.fromArray(VecF32.S, s, j);
            FloatVector x = FloatVector.fromArray(VecF32.S, dp, j).sub(dv);
            FloatVector pp = e.mul(FloatVector.fromArray(VecF32.S, sq, j).sub(av));
            pp.intoArray(sq, j);
            pp.fma(x, e.mul(FloatVector.fromArray(VecF32.S, wg, j).sub(ddv))).intoArray(sk, j);
            e.mul(x).intoArray(dp, j);
        }
    }

    // ---- f64 ---------------------------------------------------------------------------------------------------

    private static void backwardJvpF64(Args x, int from, int to) {
        int heads = x.heads();
        int tq = x.tq();
        int tk = x.tk();
        int dh = x.dh();
        long rs = (long) heads * dh;
        int shift = tk - tq;
        int pairs = x.batch() * heads;
        long nq = (long) pairs * tq * dh;
        long nk = (long) pairs * tk * dh;
        double scale = x.scale();
        int tkp = tk + (NF64 - tk % NF64) % NF64;
        double[] kt = new double[dh * tkp];
        double[] kdt = new double[dh * tkp];
        double[] vt = new double[dh * tkp];
        double[] vdt = new double[dh * tkp];
        double[] kr = new double[tk * dh];
        double[] kdr = new double[tk * dh];
        double[] gk = new double[tk * dh];
        double[] gv = new double[tk * dh];
        double[] qi = new double[dh];
        double[] qdi = new double[dh];
        double[] gi = new double[dh];
        double[] gdi = new double[dh];
        double[] gq = new double[dh];
        double[][] rows = new double[6][tkp];
        for (int u = from; u < to; u++) {
            int z = u / pairs;
            int p = u % pairs;
            int b = p / heads;
            int h = p % heads;
            long qb = (long) b * tq * rs + (long) h * dh;
            long kb = (long) b * tk * rs + (long) h * dh;
            long qt = z * nq;
            long kz = z * nk;
            long ot = z * x.outStride();
            for (int j = 0; j < tk; j++) {
                long ko = kb + j * rs;
                MemorySegment.copy(x.k(), D, ko * 8, kr, j * dh, dh);
                MemorySegment.copy(x.kDot(), D, (kz + ko) * 8, kdr, j * dh, dh);
                for (int c = 0; c < dh; c++) {
                    kt[c * tkp + j] = kr[j * dh + c];
                    kdt[c * tkp + j] = kdr[j * dh + c];
                    vt[c * tkp + j] = x.v().getAtIndex(D, ko + c);
                    vdt[c * tkp + j] = x.vDot().getAtIndex(D, kz + ko + c);
                }
            }
            java.util.Arrays.fill(gk, 0);
            java.util.Arrays.fill(gv, 0);
            for (int i = 0; i < tq; i++) {
                long qo = qb + i * rs;
                MemorySegment.copy(x.q(), D, qo * 8, qi, 0, dh);
                MemorySegment.copy(x.qDot(), D, (qt + qo) * 8, qdi, 0, dh);
                MemorySegment.copy(x.dOut(), D, qo * 8, gi, 0, dh);
                MemorySegment.copy(x.dOutDot(), D, (qt + qo) * 8, gdi, 0, dh);
                int n = i + shift + 1;
                int np = n + (NF64 - n % NF64) % NF64; // whole vectors: keys [n, np) are masked out in rowsF64
                AttentionSimd.scoresF64(qi, kt, tkp, dh, np, rows[0]);
                AttentionSimd.scoresF64(gi, vt, tkp, dh, np, rows[1]);
                AttentionSimd.scoresF64(qdi, kt, tkp, dh, np, rows[2]);
                AttentionSimd.scoresF64(qi, kdt, tkp, dh, np, rows[3]);
                AttentionSimd.scoresF64(gdi, vt, tkp, dh, np, rows[4]);
                AttentionSimd.scoresF64(gi, vdt, tkp, dh, np, rows[5]);
                rowsF64(rows, n, np, scale, x.lse().getAtIndex(D, (long) p * tq + i));
                double[] pr = rows[0];
                double[] ds = rows[1];
                double[] pp = rows[2];
                double[] dsd = rows[3];
                java.util.Arrays.fill(gq, 0);
                for (int j = 0; j < n; j++) {
                    AttentionSimd.axpyF64(dsd[j], kr, j * dh, gq, 0, dh);
                    AttentionSimd.axpyF64(ds[j], kdr, j * dh, gq, 0, dh);
                    AttentionSimd.axpyF64(dsd[j], qi, 0, gk, j * dh, dh);
                    AttentionSimd.axpyF64(ds[j], qdi, 0, gk, j * dh, dh);
                    AttentionSimd.axpyF64(pp[j], gi, 0, gv, j * dh, dh);
                    AttentionSimd.axpyF64(pr[j], gdi, 0, gv, j * dh, dh);
                }
                for (int c = 0; c < dh; c++) {
                    x.dqDot().setAtIndex(D, ot + qo + c, (double) (scale * gq[c]));
                }
            }
            for (int j = 0; j < tk; j++) {
                long ko = kb + j * rs;
                for (int c = 0; c < dh; c++) {
                    x.dkDot().setAtIndex(D, ot + ko + c, (double) (scale * gk[j * dh + c]));
                }
                MemorySegment.copy(gv, j * dh, x.dvDot(), D, (ot + ko) * 8, dh);
            }
        }
    }

    /**
     * The row's score rows {@code r = [q.K, g.V, q'.K, q.K', g'.V, g.V']} (j &lt; np, whole vectors; keys
     * j &ge; n get P = 0, so they add nothing) become
     * {@code [P, dS, P', dS', ., .]}: one vector pass for P, S', dP' and the sums D, a, b, c (f64 over lanes),
     * {@code D' = b + (c - a D)}, then one for P', dS, dS'.
     */
    private static void rowsF64(double[][] r, int n, int np, double scale, double lse) {
        double[] s = r[0];
        double[] dp = r[1];
        double[] sq = r[2];
        double[] sk = r[3];
        double[] wg = r[4];
        double[] wv = r[5];
        DoubleVector sc = DoubleVector.broadcast(VecF64.S, scale);
        DoubleVector nl = DoubleVector.broadcast(VecF64.S, -lse);
        DoubleVector va = DoubleVector.zero(VecF64.S);
        DoubleVector vb = DoubleVector.zero(VecF64.S);
        DoubleVector vc = DoubleVector.zero(VecF64.S);
        DoubleVector vd = DoubleVector.zero(VecF64.S);
        for (int j = 0; j < np; j += NF64) {
            DoubleVector e = VecF64.exp(DoubleVector.fromArray(VecF64.S, s, j).fma(sc, nl));
            if (j + NF64 > n) {
                e = DoubleVector.zero(VecF64.S).blend(e, VecF64.S.indexInRange(j, n));
            }
            e.intoArray(s, j);
            DoubleVector sd = DoubleVector.fromArray(VecF64.S, sq, j).add(DoubleVector.fromArray(VecF64.S, sk, j)).mul(sc);
            sd.intoArray(sq, j);
            DoubleVector w = DoubleVector.fromArray(VecF64.S, wg, j).add(DoubleVector.fromArray(VecF64.S, wv, j));
            w.intoArray(wg, j);
            DoubleVector es = e.mul(sd);
            va = va.add(es);
            vb = e.fma(w, vb);
            DoubleVector d = DoubleVector.fromArray(VecF64.S, dp, j);
            vc = es.fma(d, vc);
            vd = e.fma(d, vd);
        }
        double a = 0;
        double b = 0;
        double c = 0;
        double dd = 0;
        for (int z = 0; z < NF64; z++) {
            a += va.lane(z);
            b += vb.lane(z);
            c += vc.lane(z);
            dd += vd.lane(z);
        }
        double ae = a;
        double de = dd;
        double dde = b + (c - a * dd);
        DoubleVector av = DoubleVector.broadcast(VecF64.S, ae);
        DoubleVector dv = DoubleVector.broadcast(VecF64.S, de);
        DoubleVector ddv = DoubleVector.broadcast(VecF64.S, dde);
        for (int j = 0; j < np; j += NF64) {
            DoubleVector e = DoubleVector.fromArray(VecF64.S, s, j);
            DoubleVector x = DoubleVector.fromArray(VecF64.S, dp, j).sub(dv);
            DoubleVector pp = e.mul(DoubleVector.fromArray(VecF64.S, sq, j).sub(av));
            pp.intoArray(sq, j);
            pp.fma(x, e.mul(DoubleVector.fromArray(VecF64.S, wg, j).sub(ddv))).intoArray(sk, j);
            e.mul(x).intoArray(dp, j);
        }
    }
}
