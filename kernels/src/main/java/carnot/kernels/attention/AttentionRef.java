package carnot.kernels.attention;

import carnot.kernels.DType;
import carnot.kernels.Elem;

import java.lang.foreign.MemorySegment;

/**
 * Scalar reference causal attention in f64 (the oracle of the family). Layout and formulas as in
 * {@code Backend.attention}: q [batch, tq, heads, dh], k, v [batch, tk, heads, dh] (position stride heads * dh),
 * lse [batch, heads, tq]; query i sees keys {@code j <= i + tk - tq}. Each (batch, head) pair {@code p = b * heads
 * + h} is independent; the methods run pairs {@code [from, to)}. Forward per query row: the scores of the visible
 * keys, their max m, {@code l = sum exp(s - m)}, {@code out = sum exp(s - m) v / l}, {@code lse = m + log l}.
 * Backward: {@code D_i = dOut_i . out_i} from the stored out, {@code P = exp(s - lse)} from the stored lse.
 * Jvp: one pass over the visible keys per query row with {@code p_j = exp(s_j - lse)} from the stored lse,
 * {@code ds_j = scale (qDot . k_j + q . kDot_j)}, {@code A = sum p_j ds_j}, {@code acc = sum p_j (vDot_j + ds_j
 * v_j)}, then {@code outDot = acc - A out} from the stored out. Backward jvp: per query row a first pass over the
 * visible keys keeps P, dP, S' and dP' (rows of length tk) and sums {@code D = Σ P dP}, {@code a = Σ P S'},
 * {@code b = Σ P dP'}, {@code c = Σ P dP S'}; {@code D' = b + (c - a D)}; a second pass accumulates dq' of the row and dk', dv' of the
 * keys (per pair in arrays) from {@code P' = P (S' - a)}, {@code dS = P (dP - D)},
 * {@code dS' = P' (dP - D) + P (dP' - D')}. Arguments are assumed validated.
 */
public final class AttentionRef {
    private AttentionRef() {
    }

    /** Forward over (batch, head) pairs {@code [from, to)}. */
    public static void forward(DType t, MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment out,
                               MemorySegment lse, int heads, int tq, int tk, int dh, double scale, int from, int to) {
        long rs = (long) heads * dh;
        int shift = tk - tq;
        double[] s = new double[tk];
        double[] o = new double[dh];
        for (int p = from; p < to; p++) {
            int b = p / heads;
            int h = p % heads;
            long qb = (long) b * tq * rs + (long) h * dh;
            long kb = (long) b * tk * rs + (long) h * dh;
            for (int i = 0; i < tq; i++) {
                long qi = qb + i * rs;
                int n = i + shift + 1;
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    long kj = kb + j * rs;
                    double d = 0;
                    for (int c = 0; c < dh; c++) {
                        d += Elem.get(q, t, qi + c) * Elem.get(k, t, kj + c);
                    }
                    s[j] = d * scale;
                    m = Math.max(m, s[j]);
                }
                double l = 0;
                java.util.Arrays.fill(o, 0);
                for (int j = 0; j < n; j++) {
                    double e = Math.exp(s[j] - m);
                    l += e;
                    long vj = kb + j * rs;
                    for (int c = 0; c < dh; c++) {
                        o[c] += e * Elem.get(v, t, vj + c);
                    }
                }
                for (int c = 0; c < dh; c++) {
                    Elem.set(out, t, qi + c, o[c] / l);
                }
                Elem.set(lse, t, (long) p * tq + i, m + Math.log(l));
            }
        }
    }

    /** Backward over (batch, head) pairs {@code [from, to)}; writes every element of dq, dk, dv of those pairs. */
    public static void backward(DType t, MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment out,
                                MemorySegment lse, MemorySegment dOut, MemorySegment dq, MemorySegment dk,
                                MemorySegment dv, int heads, int tq, int tk, int dh, double scale, int from, int to) {
        long rs = (long) heads * dh;
        int shift = tk - tq;
        double[] gq = new double[dh];
        double[] gk = new double[tk * dh];
        double[] gv = new double[tk * dh];
        for (int p = from; p < to; p++) {
            int b = p / heads;
            int h = p % heads;
            long qb = (long) b * tq * rs + (long) h * dh;
            long kb = (long) b * tk * rs + (long) h * dh;
            java.util.Arrays.fill(gk, 0);
            java.util.Arrays.fill(gv, 0);
            for (int i = 0; i < tq; i++) {
                long qi = qb + i * rs;
                double dd = 0;
                for (int c = 0; c < dh; c++) {
                    dd += Elem.get(dOut, t, qi + c) * Elem.get(out, t, qi + c);
                }
                double ls = Elem.get(lse, t, (long) p * tq + i);
                java.util.Arrays.fill(gq, 0);
                int n = i + shift + 1;
                for (int j = 0; j < n; j++) {
                    long kj = kb + j * rs;
                    double sc = 0;
                    double dp = 0;
                    for (int c = 0; c < dh; c++) {
                        sc += Elem.get(q, t, qi + c) * Elem.get(k, t, kj + c);
                        dp += Elem.get(dOut, t, qi + c) * Elem.get(v, t, kj + c);
                    }
                    double pr = Math.exp(sc * scale - ls);
                    double ds = pr * (dp - dd);
                    for (int c = 0; c < dh; c++) {
                        gq[c] += ds * Elem.get(k, t, kj + c);
                        gk[j * dh + c] += ds * Elem.get(q, t, qi + c);
                        gv[j * dh + c] += pr * Elem.get(dOut, t, qi + c);
                    }
                }
                for (int c = 0; c < dh; c++) {
                    Elem.set(dq, t, qi + c, scale * gq[c]);
                }
            }
            for (int j = 0; j < tk; j++) {
                long kj = kb + j * rs;
                for (int c = 0; c < dh; c++) {
                    Elem.set(dk, t, kj + c, scale * gk[j * dh + c]);
                    Elem.set(dv, t, kj + c, gv[j * dh + c]);
                }
            }
        }
    }

    /** Jvp over (batch, head) pairs {@code [from, to)}; writes every element of outDot of those pairs. */
    public static void jvp(DType t, MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment out,
                           MemorySegment lse, MemorySegment qDot, MemorySegment kDot, MemorySegment vDot,
                           MemorySegment outDot, int heads, int tq, int tk, int dh, double scale, int from, int to) {
        long rs = (long) heads * dh;
        int shift = tk - tq;
        double[] acc = new double[dh];
        for (int p = from; p < to; p++) {
            int b = p / heads;
            int h = p % heads;
            long qb = (long) b * tq * rs + (long) h * dh;
            long kb = (long) b * tk * rs + (long) h * dh;
            for (int i = 0; i < tq; i++) {
                long qi = qb + i * rs;
                double ls = Elem.get(lse, t, (long) p * tq + i);
                double a = 0;
                java.util.Arrays.fill(acc, 0);
                int n = i + shift + 1;
                for (int j = 0; j < n; j++) {
                    long kj = kb + j * rs;
                    double sc = 0;
                    double ds = 0;
                    for (int c = 0; c < dh; c++) {
                        double kc = Elem.get(k, t, kj + c);
                        sc += Elem.get(q, t, qi + c) * kc;
                        ds += Elem.get(qDot, t, qi + c) * kc + Elem.get(q, t, qi + c) * Elem.get(kDot, t, kj + c);
                    }
                    double pr = Math.exp(sc * scale - ls);
                    ds *= scale;
                    a += pr * ds;
                    for (int c = 0; c < dh; c++) {
                        acc[c] += pr * (Elem.get(vDot, t, kj + c) + ds * Elem.get(v, t, kj + c));
                    }
                }
                for (int c = 0; c < dh; c++) {
                    Elem.set(outDot, t, qi + c, acc[c] - a * Elem.get(out, t, qi + c));
                }
            }
        }
    }

    /**
     * Backward jvp over units {@code [from, to)}, unit {@code u = z * pairs + pair} for direction z (tangents at
     * {@code z nq}, resp. {@code z nk}, outputs at {@code z outStride}); writes every element of dqDot, dkDot, dvDot
     * of those units.
     */
    public static void backwardJvp(DType t, MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment lse, MemorySegment dOut, MemorySegment qDot, MemorySegment kDot,
                                   MemorySegment vDot, MemorySegment dOutDot, MemorySegment dqDot,
                                   MemorySegment dkDot, MemorySegment dvDot, long outStride, int batch, int heads,
                                   int tq, int tk, int dh, double scale, int from, int to) {
        long rs = (long) heads * dh;
        int shift = tk - tq;
        int pairs = batch * heads;
        long nq = (long) pairs * tq * dh;
        long nk = (long) pairs * tk * dh;
        double[] pr = new double[tk];
        double[] dp = new double[tk];
        double[] sd = new double[tk];
        double[] dpd = new double[tk];
        double[] gq = new double[dh];
        double[] gk = new double[tk * dh];
        double[] gv = new double[tk * dh];
        for (int u = from; u < to; u++) {
            int z = u / pairs;
            int p = u % pairs;
            int b = p / heads;
            int h = p % heads;
            long qb = (long) b * tq * rs + (long) h * dh;
            long kb = (long) b * tk * rs + (long) h * dh;
            long qt = z * nq;
            long kt = z * nk;
            long ot = z * outStride;
            java.util.Arrays.fill(gk, 0);
            java.util.Arrays.fill(gv, 0);
            for (int i = 0; i < tq; i++) {
                long qi = qb + i * rs;
                double ls = Elem.get(lse, t, (long) p * tq + i);
                int n = i + shift + 1;
                double dd = 0;
                double a = 0;
                double bs = 0;
                double cs = 0;
                for (int j = 0; j < n; j++) {
                    long kj = kb + j * rs;
                    double sc = 0;
                    double x = 0;
                    double y = 0;
                    double w = 0;
                    for (int c = 0; c < dh; c++) {
                        double qc = Elem.get(q, t, qi + c);
                        double gc = Elem.get(dOut, t, qi + c);
                        double kc = Elem.get(k, t, kj + c);
                        double vc = Elem.get(v, t, kj + c);
                        sc += qc * kc;
                        x += gc * vc;
                        y += Elem.get(qDot, t, qt + qi + c) * kc + qc * Elem.get(kDot, t, kt + kj + c);
                        w += Elem.get(dOutDot, t, qt + qi + c) * vc + gc * Elem.get(vDot, t, kt + kj + c);
                    }
                    pr[j] = Math.exp(sc * scale - ls);
                    dp[j] = x;
                    sd[j] = scale * y;
                    dpd[j] = w;
                    dd += pr[j] * x;
                    a += pr[j] * sd[j];
                    bs += pr[j] * w;
                    cs += pr[j] * x * sd[j];
                }
                double ddd = bs + (cs - a * dd);
                java.util.Arrays.fill(gq, 0);
                for (int j = 0; j < n; j++) {
                    long kj = kb + j * rs;
                    double pp = pr[j] * (sd[j] - a);
                    double ds = pr[j] * (dp[j] - dd);
                    double dsd = pp * (dp[j] - dd) + pr[j] * (dpd[j] - ddd);
                    for (int c = 0; c < dh; c++) {
                        gq[c] += dsd * Elem.get(k, t, kj + c) + ds * Elem.get(kDot, t, kt + kj + c);
                        gk[j * dh + c] += dsd * Elem.get(q, t, qi + c) + ds * Elem.get(qDot, t, qt + qi + c);
                        gv[j * dh + c] += pp * Elem.get(dOut, t, qi + c) + pr[j] * Elem.get(dOutDot, t, qt + qi + c);
                    }
                }
                for (int c = 0; c < dh; c++) {
                    Elem.set(dqDot, t, ot + qi + c, scale * gq[c]);
                }
            }
            for (int j = 0; j < tk; j++) {
                long kj = kb + j * rs;
                for (int c = 0; c < dh; c++) {
                    Elem.set(dkDot, t, ot + kj + c, scale * gk[j * dh + c]);
                    Elem.set(dvDot, t, ot + kj + c, gv[j * dh + c]);
                }
            }
        }
    }
}
