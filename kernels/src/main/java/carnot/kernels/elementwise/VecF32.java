package carnot.kernels.elementwise;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorized f32 math on {@link FloatVector#SPECIES_PREFERRED} (chosen once), without SVML:
 * <ul>
 *   <li>exp: {@code x = k ln2 + r} (Cody-Waite, |r| &le; ln2/2), {@code exp(r) - 1 = r q(r)} with the degree-6
 *       Taylor polynomial q (truncation &lt; 6e-9 relative), scaled by {@code 2^k} in two steps so overflow gives
 *       inf and underflow goes gradually to 0.</li>
 *   <li>expm1 (for x &le; 0): {@code 2^k (r q) + (2^k - 1)}, no cancellation near 0.</li>
 *   <li>tanh: {@code sign(x) * -m / (2 + m)}, {@code m = expm1(-2|x|)}; tanh' = {@code 4e/(1+e)^2},
 *       {@code e = exp(-2|x|)}.</li>
 *   <li>sigmoid with {@code e = exp(-|x|)}: {@code x >= 0 ? 1/(1+e) : e/(1+e)}; softplus
 *       {@code max(x,0) + log1p(e)} with {@code log1p(t) = 2 atanh(t/(2+t))} (odd series, 9 terms, t in [0,1]).</li>
 *   <li>gelu: {@code x sigmoid(2z)}, {@code z = sqrt(2/pi)(x + 0.044715 x^3)}.</li>
 * </ul>
 * Measured max error on 200k points against the f64 formulas ({@code VecMathAccuracyTest}): exp 1.2 ulp,
 * tanh 2.5 ulp, sigmoid 2.4 ulp, softplus 3.2 ulp; gelu, gelu', tanh', sigmoid' &le; 1.9 ulp of max(1, |f|).
 */
public final class VecF32 {
    /** The species used by all f32 kernels. */
    public static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float MAGIC = 12582912f;
    private static final float[] Q = {1f / 5040, 1f / 720, 1f / 120, 1f / 24, 1f / 6, 1f / 2, 1f};
    private static final float GC = (float) (2 * ElementwiseRef.GELU_C);
    private static final float GA = (float) ElementwiseRef.GELU_A;

    private VecF32() {
    }

    /** {@code r q(r) = exp(r) - 1} for the reduced argument. */
    private static FloatVector em(FloatVector r) {
        FloatVector p = FloatVector.broadcast(S, Q[0]);
        for (int i = 1; i < Q.length; i++) {
            p = p.fma(r, FloatVector.broadcast(S, Q[i]));
        }
        return p.mul(r);
    }

    /** {@code 2^k} for integer k in [-126, 127]. */
    private static FloatVector pow2(IntVector k) {
        return k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    }

    /** exp(x). */
    public static FloatVector exp(FloatVector x) {
        x = x.max(-104f).min(89f);
        FloatVector kf = x.fma(LOG2E, MAGIC).sub(MAGIC);
        FloatVector r = kf.fma(FloatVector.broadcast(S, -LN2_HI), x);
        r = kf.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector e = em(r).add(1f);
        IntVector k = (IntVector) kf.convert(VectorOperators.F2I, 0);
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
        return e.mul(pow2(k1)).mul(pow2(k.sub(k1)));
    }

    /** expm1(x) for x &le; 0 (clamped at -30, where it is -1 in f32). */
    public static FloatVector expm1Neg(FloatVector x) {
        x = x.max(-30f);
        FloatVector kf = x.fma(LOG2E, MAGIC).sub(MAGIC);
        FloatVector r = kf.fma(FloatVector.broadcast(S, -LN2_HI), x);
        r = kf.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector s = pow2((IntVector) kf.convert(VectorOperators.F2I, 0));
        return em(r).fma(s, s.sub(1f));
    }

    /** Copies the sign bit of {@code from} onto the non-negative {@code v}. */
    private static FloatVector withSign(FloatVector v, FloatVector from) {
        return v.reinterpretAsInts().or(from.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
    }

    /** tanh(x). */
    public static FloatVector tanh(FloatVector x) {
        FloatVector m = expm1Neg(x.abs().mul(-2f));
        return withSign(m.neg().div(m.add(2f)), x);
    }

    /** logistic sigmoid. */
    public static FloatVector sigmoid(FloatVector x) {
        FloatVector e = exp(x.abs().neg());
        FloatVector p = FloatVector.broadcast(S, 1).div(e.add(1f));
        return p.blend(e.mul(p), x.lt(0f));
    }

    /** log1p(t) for t in [0, 1]. */
    static FloatVector log1p01(FloatVector t) {
        FloatVector s = t.div(t.add(2f));
        FloatVector z = s.mul(s);
        FloatVector p = FloatVector.broadcast(S, 1f / 17);
        for (int n = 7; n >= 0; n--) {
            p = p.fma(z, FloatVector.broadcast(S, 1f / (2 * n + 1)));
        }
        return p.mul(s).mul(2f);
    }

    /** softplus(x) = log(1 + exp(x)). */
    public static FloatVector softplus(FloatVector x) {
        return x.max(0f).add(log1p01(exp(x.abs().neg())));
    }

    /** {@code e / (1 + e)^2}. */
    private static FloatVector bell(FloatVector e) {
        FloatVector d = e.add(1f);
        return e.div(d.mul(d));
    }

    /** gelu (tanh form) as x sigmoid(2z). */
    public static FloatVector gelu(FloatVector x) {
        FloatVector z = x.mul(x).fma(GA, 1f).mul(x).mul(GC);
        return x.mul(sigmoid(z));
    }

    /** d gelu / dx. */
    public static FloatVector dGelu(FloatVector x) {
        FloatVector x2 = x.mul(x);
        FloatVector z = x2.fma(GA, 1f).mul(x).mul(GC);
        FloatVector dz = x2.fma(3 * GA, 1f).mul(GC);
        FloatVector e = exp(z.abs().neg());
        FloatVector p = FloatVector.broadcast(S, 1f).div(e.add(1f));
        FloatVector ep = e.mul(p);
        FloatVector s = p.blend(ep, z.compare(VectorOperators.LT, 0));
        return x.mul(dz).mul(ep.mul(p)).add(s);
    }

    /**
     * {@code tg f'(x) + (g tx) f''(x)} of GELU, f' as {@link #dGelu} (operation for operation) and
     * f'' = {@code sigmoid'(z) (2 z' + x z'' + x z'^2 (1 - 2 sigmoid(z)))}, 0 where sigmoid'(z) underflows
     * ({@code ElementwiseRef.geluSecond}); one exp and one division per lane serve both.
     */
    public static FloatVector geluBackwardTangent(FloatVector tg, FloatVector g, FloatVector x, FloatVector tx) {
        FloatVector x2 = x.mul(x);
        FloatVector z = x2.fma(GA, 1f).mul(x).mul(GC);
        FloatVector dz = x2.fma(3 * GA, 1f).mul(GC);
        FloatVector e = exp(z.abs().neg());
        FloatVector p = FloatVector.broadcast(S, 1f).div(e.add(1f));
        FloatVector ep = e.mul(p);
        FloatVector s = p.blend(ep, z.compare(VectorOperators.LT, 0));
        FloatVector slope = ep.mul(p);
        FloatVector xdz = x.mul(dz);
        FloatVector d1 = xdz.mul(slope).add(s);
        FloatVector ddz = x.mul(6 * GA * GC);
        FloatVector r = slope.mul(dz.mul(2f).add(x.mul(ddz)).add(xdz.mul(dz).mul(s.mul(-2f).add(1f))));
        FloatVector d2 = r.blend(0f, slope.compare(VectorOperators.EQ, 0f));
        return tg.mul(d1).add(g.mul(tx).mul(d2));
    }

    /** signum: -1, 0 or 1 (NaN stays NaN, -0 gives 0). */
    public static FloatVector sign(FloatVector x) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector r = FloatVector.zero(S).blend(one, x.compare(VectorOperators.GT, 0f))
                .blend(one.neg(), x.compare(VectorOperators.LT, 0f));
        return r.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** tanh'(x) = 4 e / (1 + e)^2 with e = exp(-2|x|). */
    public static FloatVector dTanh(FloatVector x) {
        return bell(exp(x.abs().mul(-2f))).mul(4f);
    }

    /** sigmoid'(x) = e / (1 + e)^2 with e = exp(-|x|). */
    public static FloatVector dSigmoid(FloatVector x) {
        return bell(exp(x.abs().neg()));
    }
}
