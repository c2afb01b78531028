package carnot.kernels.elementwise;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorized f64 math on {@link DoubleVector#SPECIES_PREFERRED} (chosen once), without SVML:
 * <ul>
 *   <li>exp: {@code x = k ln2 + r} (Cody-Waite, |r| &le; ln2/2), {@code exp(r) - 1 = r q(r)} with the degree-12
 *       Taylor polynomial q (truncation &lt; 5e-18 relative), scaled by {@code 2^k} in two steps so overflow gives
 *       inf and underflow goes gradually to 0.</li>
 *   <li>expm1 (for x &le; 0): {@code 2^k (r q) + (2^k - 1)}, no cancellation near 0.</li>
 *   <li>tanh: {@code sign(x) * -m / (2 + m)}, {@code m = expm1(-2|x|)}; tanh' = {@code 4e/(1+e)^2},
 *       {@code e = exp(-2|x|)}.</li>
 *   <li>sigmoid with {@code e = exp(-|x|)}: {@code x >= 0 ? 1/(1+e) : e/(1+e)}; softplus
 *       {@code max(x,0) + log1p(e)} with {@code log1p(t) = 2 atanh(t/(2+t))} (odd series, 18 terms, t in [0,1]).</li>
 *   <li>gelu: {@code x sigmoid(2z)}, {@code z = sqrt(2/pi)(x + 0.044715 x^3)}.</li>
 * </ul>
 * Measured max error on 200k points against the f64 formulas with {@link Math} ({@code VecMathAccuracyTest}):
 * exp 1 ulp, tanh, sigmoid, softplus 3 ulp (relative error &lt; 7e-16); gelu, gelu', tanh', sigmoid' &le; 2 ulp of
 * max(1, |f|).
 */
public final class VecF64 {
    /** The species used by all f64 kernels. */
    public static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final double LOG2E = 1.4426950408889634;
    private static final double LN2_HI = 6.93147180369123816490e-01;
    private static final double LN2_LO = 1.90821492927058770002e-10;
    private static final double MAGIC = 6755399441055744.0;
    private static final long MAGIC_BITS = Double.doubleToRawLongBits(MAGIC);
    private static final double[] Q = taylor(13);
    private static final double GC = 2 * ElementwiseRef.GELU_C;
    private static final double GA = ElementwiseRef.GELU_A;

    private VecF64() {
    }

    /** {@code r q(r) = exp(r) - 1} for the reduced argument. */
    private static DoubleVector em(DoubleVector r) {
        DoubleVector p = DoubleVector.broadcast(S, Q[0]);
        for (int i = 1; i < Q.length; i++) {
            p = p.fma(r, DoubleVector.broadcast(S, Q[i]));
        }
        return p.mul(r);
    }

    /** {@code 2^k} for integer k in [-1022, 1023]. */
    private static DoubleVector pow2(LongVector k) {
        return k.add(1023L).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
    }

    /**
     * The integer k of {@code t = k + MAGIC} (|k| &lt; 2^51, so t's ulp is 1 and its bits are MAGIC's plus k): the
     * D2L conversion of {@code t - MAGIC} without the conversion, which C2 intrinsifies only with AVX-512DQ (on
     * AVX2 every conversion allocated a vector in the Java fallback). NaN lanes give garbage k, but their result
     * stays NaN.
     */
    static LongVector roundedInt(DoubleVector t) {
        return t.reinterpretAsLongs().sub(MAGIC_BITS);
    }

    /** Coefficients 1/(j+1)! for j = n-1 down to 0 (Horner order) of (exp(r) - 1)/r. */
    private static double[] taylor(int n) {
        double[] q = new double[n];
        double f = 1;
        for (int j = 0; j < n; j++) {
            f /= j + 1;
            q[n - 1 - j] = f;
        }
        return q;
    }

    /** exp(x). */
    public static DoubleVector exp(DoubleVector x) {
        x = x.max(-746.0).min(710.0);
        DoubleVector t = x.fma(LOG2E, MAGIC);
        DoubleVector kf = t.sub(MAGIC);
        DoubleVector r = kf.fma(DoubleVector.broadcast(S, -LN2_HI), x);
        r = kf.fma(DoubleVector.broadcast(S, -LN2_LO), r);
        DoubleVector e = em(r).add(1.0);
        LongVector k = roundedInt(t);
        LongVector k1 = k.lanewise(VectorOperators.ASHR, 1);
        return e.mul(pow2(k1)).mul(pow2(k.sub(k1)));
    }

    /** expm1(x) for x &le; 0 (clamped at -40, where it is -1 in f64). */
    public static DoubleVector expm1Neg(DoubleVector x) {
        x = x.max(-40.0);
        DoubleVector t = x.fma(LOG2E, MAGIC);
        DoubleVector kf = t.sub(MAGIC);
        DoubleVector r = kf.fma(DoubleVector.broadcast(S, -LN2_HI), x);
        r = kf.fma(DoubleVector.broadcast(S, -LN2_LO), r);
        DoubleVector s = pow2(roundedInt(t));
        return em(r).fma(s, s.sub(1.0));
    }

    /** Copies the sign bit of {@code from} onto the non-negative {@code v}. */
    private static DoubleVector withSign(DoubleVector v, DoubleVector from) {
        return v.reinterpretAsLongs().or(from.reinterpretAsLongs().and(Long.MIN_VALUE)).reinterpretAsDoubles();
    }

    /** tanh(x). */
    public static DoubleVector tanh(DoubleVector x) {
        DoubleVector m = expm1Neg(x.abs().mul(-2.0));
        return withSign(m.neg().div(m.add(2.0)), x);
    }

    /** logistic sigmoid. */
    public static DoubleVector sigmoid(DoubleVector x) {
        DoubleVector e = exp(x.abs().neg());
        DoubleVector p = DoubleVector.broadcast(S, 1).div(e.add(1.0));
        return p.blend(e.mul(p), x.lt(0.0));
    }

    /** log1p(t) for t in [0, 1]. */
    static DoubleVector log1p01(DoubleVector t) {
        DoubleVector s = t.div(t.add(2.0));
        DoubleVector z = s.mul(s);
        DoubleVector p = DoubleVector.broadcast(S, 1.0 / 35);
        for (int n = 16; n >= 0; n--) {
            p = p.fma(z, DoubleVector.broadcast(S, 1.0 / (2 * n + 1)));
        }
        return p.mul(s).mul(2.0);
    }

    /** softplus(x) = log(1 + exp(x)). */
    public static DoubleVector softplus(DoubleVector x) {
        return x.max(0.0).add(log1p01(exp(x.abs().neg())));
    }

    /** {@code e / (1 + e)^2}. */
    private static DoubleVector bell(DoubleVector e) {
        DoubleVector d = e.add(1.0);
        return e.div(d.mul(d));
    }

    /** gelu (tanh form) as x sigmoid(2z). */
    public static DoubleVector gelu(DoubleVector x) {
        DoubleVector z = x.mul(x).fma(GA, 1.0).mul(x).mul(GC);
        return x.mul(sigmoid(z));
    }

    /** d gelu / dx. */
    public static DoubleVector dGelu(DoubleVector x) {
        DoubleVector x2 = x.mul(x);
        DoubleVector z = x2.fma(GA, 1.0).mul(x).mul(GC);
        DoubleVector dz = x2.fma(3 * GA, 1.0).mul(GC);
        DoubleVector e = exp(z.abs().neg());
        DoubleVector p = DoubleVector.broadcast(S, 1.0).div(e.add(1.0));
        DoubleVector ep = e.mul(p);
        DoubleVector s = p.blend(ep, z.compare(VectorOperators.LT, 0));
        return x.mul(dz).mul(ep.mul(p)).add(s);
    }

    /**
     * {@code tg f'(x) + (g tx) f''(x)} of GELU, f' as {@link #dGelu} (operation for operation) and
     * f'' = {@code sigmoid'(z) (2 z' + x z'' + x z'^2 (1 - 2 sigmoid(z)))}, 0 where sigmoid'(z) underflows
     * ({@code ElementwiseRef.geluSecond}); one exp and one division per lane serve both.
     */
    public static DoubleVector geluBackwardTangent(DoubleVector tg, DoubleVector g, DoubleVector x, DoubleVector tx) {
        DoubleVector x2 = x.mul(x);
        DoubleVector z = x2.fma(GA, 1.0).mul(x).mul(GC);
        DoubleVector dz = x2.fma(3 * GA, 1.0).mul(GC);
        DoubleVector e = exp(z.abs().neg());
        DoubleVector p = DoubleVector.broadcast(S, 1.0).div(e.add(1.0));
        DoubleVector ep = e.mul(p);
        DoubleVector s = p.blend(ep, z.compare(VectorOperators.LT, 0));
        DoubleVector slope = ep.mul(p);
        DoubleVector xdz = x.mul(dz);
        DoubleVector d1 = xdz.mul(slope).add(s);
        DoubleVector ddz = x.mul(6 * GA * GC);
        DoubleVector r = slope.mul(dz.mul(2.0).add(x.mul(ddz)).add(xdz.mul(dz).mul(s.mul(-2.0).add(1.0))));
        DoubleVector d2 = r.blend(0.0, slope.compare(VectorOperators.EQ, 0.0));
        return tg.mul(d1).add(g.mul(tx).mul(d2));
    }

    /** signum: -1, 0 or 1 (NaN stays NaN, -0 gives 0). */
    public static DoubleVector sign(DoubleVector x) {
        DoubleVector one = DoubleVector.broadcast(S, 1.0);
        DoubleVector r = DoubleVector.zero(S).blend(one, x.compare(VectorOperators.GT, 0.0))
                .blend(one.neg(), x.compare(VectorOperators.LT, 0.0));
        return r.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** tanh'(x) = 4 e / (1 + e)^2 with e = exp(-2|x|). */
    public static DoubleVector dTanh(DoubleVector x) {
        return bell(exp(x.abs().mul(-2.0))).mul(4.0);
    }

    /** sigmoid'(x) = e / (1 + e)^2 with e = exp(-|x|). */
    public static DoubleVector dSigmoid(DoubleVector x) {
        return bell(exp(x.abs().neg()));
    }
}
