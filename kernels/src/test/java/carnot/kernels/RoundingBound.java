package carnot.kernels;

/**
 * Worst-case rounding bounds (Higham, <i>Accuracy and Stability of Numerical Algorithms</i>, 2nd ed., 2002,
 * Lemma 3.1 and Sec. 3.5) that hold for <b>every</b> order of summation, blocking and FMA use, i.e. for every
 * OpenBLAS kernel family, vector width and thread split:
 * <ul>
 * <li>{@code gamma_n = n u / (1 - n u)}, {@code u} the unit roundoff of the dtype ({@code 2^-24} for f32,
 * {@code 2^-53} for f64);</li>
 * <li>a GEMM element {@code c = alpha sum_p a_ip b_pj + beta c0} computed in dtype arithmetic is a sum of
 * {@code K + 1} terms evaluated by some binary tree (at most {@code K} additions on any path) of terms that each
 * carry at most two multiplication roundings, so {@code |c^ - c| <= gamma_(K+2) S_ij} with
 * {@code S = |alpha| (|A| |B|) + |beta| |C0|}; a K-split adds the slice partials in a tree over the same leaves,
 * so the bound is unchanged;</li>
 * <li>a sum or dot of n terms: {@code |s^ - s| <= gamma_n sum |x_i y_i|}, plus one rounding {@code u |s^|} when the
 * result is stored in the dtype.</li>
 * </ul>
 * Two results of the same product (two thread counts, two hosts) therefore differ by at most {@code 2 gamma S}
 * elementwise. The bounds assume no underflow or overflow; {@code S} is computed here in f64 from the stored
 * inputs, with its own f64 rounding covered by the factor {@code 1 + gamma_(K+1)(f64)}.
 */
final class RoundingBound {
    private RoundingBound() {
    }

    /** Unit roundoff of a floating dtype. */
    static double unitRoundoff(DType t) {
        return switch (t) {
            case F32 -> 0x1p-24;
            case F64 -> 0x1p-53;
            case I32 -> throw new IllegalArgumentException("unit roundoff needs F32 or F64; given I32");
        };
    }

    /** {@code gamma_n = n u / (1 - n u)}; requires {@code n u < 1}. */
    static double gamma(DType t, long n) {
        double nu = n * unitRoundoff(t);
        if (nu >= 1) {
            throw new IllegalArgumentException("gamma_n needs n u < 1; given n = " + n + " for " + t);
        }
        return nu / (1 - nu);
    }

    /**
     * Coefficient of {@code S} bounding a result computed in {@code t} against the {@link RefBackend} oracle, which
     * accumulates the same terms in f64 and rounds once to {@code t}: {@code gamma_(K+2)(t)} for the result,
     * {@code gamma_(K+2)(f64) + u(t) (1 + gamma_(K+2)(f64))} for the oracle (its value is at most S in magnitude).
     */
    static double versusReference(DType t, long k) {
        double g64 = gamma(DType.F64, k + 2);
        return gamma(t, k + 2) + g64 + unitRoundoff(t) * (1 + g64);
    }

    /**
     * Coefficient of {@code S} (computed from the operands <i>as rounded</i> to TF32 or BF16) bounding a tensor-core
     * GEMM with f32 accumulation against the {@link RefBackend} oracle run on those rounded operands. The products
     * of rounded operands are exact in f32; the tensor cores' f32 additions are not guaranteed round-to-nearest (on
     * V100/A100 they truncate, Fasi, Higham, Mikaitis, Pranesh, PeerJ CS 2021), so each addition and the epilogue
     * may err by one ulp, unit {@code 2u = 2^-23}: {@code gamma_(K+2)(2u)} for the result, plus the oracle's
     * {@code gamma_(K+2)(f64) + u (1 + gamma_(K+2)(f64))} as in {@link #versusReference}. For K = 7 this is
     * 1.1e-6 S, while unrounded operands would move results by about 2^-11 |a||b| per term (TF32).
     */
    static double tensorCoreVersusReference(long k) {
        double nu = (k + 2) * 0x1p-23;
        if (nu >= 1) {
            throw new IllegalArgumentException("gamma_n needs n 2u < 1; given K = " + k);
        }
        double g64 = gamma(DType.F64, k + 2);
        return nu / (1 - nu) + g64 + unitRoundoff(DType.F32) * (1 + g64);
    }

    /**
     * {@code x} rounded to {@code bits} mantissa bits, computed in double (exact): ties away from zero (TF32,
     * {@code cvt.rna}) or to even (BF16); subnormals use the quantum of the smallest normal; NaN, infinities and
     * zeros unchanged, overflow to infinity.
     */
    static float roundMantissa(float x, int bits, boolean tiesAway) {
        if (Float.isNaN(x) || Float.isInfinite(x) || x == 0) {
            return x;
        }
        double q = Math.scalb(1.0, Math.max(Math.getExponent(x), Float.MIN_EXPONENT) - bits);
        double m = Math.abs((double) x) / q;
        double r = (tiesAway ? Math.floor(m + 0.5) : Math.rint(m)) * q;
        return (float) Math.copySign(r, x);
    }

    /** Coefficient of {@code S} bounding the difference of two results computed in {@code t}: {@code 2 gamma_(K+2)}. */
    static double betweenRuns(DType t, long k) {
        return 2 * gamma(t, k + 2);
    }

    /**
     * Coefficient of {@code sum |x_i y_i|} bounding the difference of two sums or dots of n terms computed in
     * {@code t}, each possibly stored in {@code t}: {@code 2 gamma_(n+1)}.
     */
    static double betweenRunsOfSums(DType t, long n) {
        return 2 * gamma(t, n + 1);
    }

    /** {@code coefficient * s_i} for every element. */
    static double[] scaled(double[] s, double coefficient) {
        double[] r = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            r[i] = coefficient * s[i];
        }
        return r;
    }

    /**
     * {@code S_ij = |alpha| sum_p |op(A)_ip| |op(B)_pj| + |beta| |C0_ij|} for a row-major m x n product, from host
     * copies of the stored buffers (element offsets and leading dimensions as in {@link Backend#gemm}); C0 may be
     * null when beta = 0. Returned with C's layout (ldc, offC), 0 outside the m x n window.
     */
    static double[] gemmMagnitude(boolean transA, boolean transB, int m, int n, int k, double alpha,
                                  double[] a, int offA, int lda, double[] b, int offB, int ldb,
                                  double beta, double[] c0, int offC, int ldc, int lengthC) {
        double[] s = new double[lengthC];
        double grow = 1 + gamma(DType.F64, k + 1L);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int p = 0; p < k; p++) {
                    double x = transA ? a[offA + p * lda + i] : a[offA + i * lda + p];
                    double y = transB ? b[offB + j * ldb + p] : b[offB + p * ldb + j];
                    acc += Math.abs(x * y);
                }
                double v = Math.abs(alpha) * acc;
                if (beta != 0) {
                    v += Math.abs(beta) * Math.abs(c0[offC + i * ldc + j]);
                }
                s[offC + i * ldc + j] = v * grow;
            }
        }
        return s;
    }

    /**
     * Asserts {@code |got_i - want_i| <= bound_i} elementwise (NaN equal to NaN) and returns the largest ratio
     * {@code |got - want| / bound} seen (0 where both are equal), for reporting how close to the bound the results came.
     */
    static double assertWithin(String what, double[] got, double[] want, double[] bound) {
        if (got.length != want.length || got.length != bound.length) {
            throw new AssertionError(what + ": lengths " + got.length + ", " + want.length + ", " + bound.length);
        }
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            if (Double.isNaN(want[i]) && Double.isNaN(got[i]) || got[i] == want[i]) {
                continue;
            }
            double d = Math.abs(got[i] - want[i]);
            if (!(d <= bound[i])) {
                throw new AssertionError(what + ": element " + i + " got " + got[i] + " want " + want[i] + ", |diff| "
                        + d + " > rounding bound " + bound[i]);
            }
            worst = Math.max(worst, d / bound[i]);
        }
        return worst;
    }
}
