package carnot.engine.ops;

import carnot.engine.Tensor;
import java.util.Arrays;

/**
 * Fused causal attention over the layout of a [batch · t, heads · dh] projection: q [B, Tq, H, dh], k and v
 * [B, Tk, H, dh], {@code Tq <= Tk}, out [B, Tq, H, dh]. Per (b, h), with S = scale · q kᵀ and query i seeing keys
 * {@code j <= i + Tk - Tq} (the usual causal mask when Tq = Tk; a single last-position query sees every key):
 * {@code out = P v}, {@code P = softmax(S + mask)}. {@link #decomposed} is the same function from elementary ops
 * (permute, matmul, additive mask, softmax, matmul, permute) and the test oracle.
 *
 * <p>Forward: one backend op ({@code Backend.attention}, flash style: no [Tq, Tk] matrix), which also gives the
 * rows' log-sum-exp; this primitive keeps that [B, H, Tq] tensor for its vjp (so an instance is applied once, its
 * equality is identity). vjp: {@link AttentionBackward} (one backend op, FlashAttention-2 recomputation from the
 * log-sum-exp), whose own jvp and vjp are Tensor algebra. jvp: {@link AttentionJvp} (one backend op per tangent
 * direction, flash style from the kept output and log-sum-exp, no [Tq, Tk] matrix; absent tangents are passed as
 * zeros), whose own jvp and vjp are Tensor algebra. {@link #jvpDecomposed} is that tangent in Tensor algebra
 * ({@code dout = (P ∘ (dS − rowsum(P ∘ dS))) v + P dv}, {@code dS = scale (dq kᵀ + q dkᵀ)}), the test oracle.
 */
public final class Attention implements Primitive {
    /** Added to masked logits in the decomposed form; exp of it underflows to exactly 0. */
    static final double MASK = -1e30;
    private final double scale;
    private Tensor lse;

    /** Attention with logits {@code scale · q · k} (usually {@code 1 / sqrt(dh)}). */
    public Attention(double scale) {
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("attention: scale must be finite; given " + scale);
        }
        this.scale = scale;
    }

    /** {@code softmax(scale · q kᵀ + mask) v} per head: the Transformer's former attention ops, the test oracle. */
    public static Tensor decomposed(Tensor q, Tensor k, Tensor v, double scale) {
        check(q, k, v);
        Tensor p = probs(q, k, scale);
        return p.matmul(heads(v)).transpose(-3, -2);
    }

    @Override
    public String name() {
        return "attention";
    }

    /** {@link #check} of q, k, v, and an output gradient g of q's dtype and shape (the backward ops' inputs). */
    static void checkGradient(String op, Tensor q, Tensor k, Tensor v, Tensor g) {
        check(q, k, v);
        Shapes.sameDtype(op, q, g);
        if (!java.util.Arrays.equals(g.shape(), q.shape())) {
            throw new IllegalArgumentException(op + ": the output gradient must be shaped like q; given " + g + " for "
                    + q);
        }
    }

    static void check(Tensor q, Tensor k, Tensor v) {
        Shapes.sameDtype("attention", q, k);
        Shapes.sameDtype("attention", q, v);
        Shapes.floating("attention", q);
        int[] sq = q.shape();
        int[] sk = k.shape();
        if (sq.length != 4 || sk.length != 4 || !Arrays.equals(sk, v.shape()) || sq[0] != sk[0] || sq[2] != sk[2]
                || sq[3] != sk[3] || sq[1] > sk[1] || sq[3] < 1) {
            throw new IllegalArgumentException("attention: need q [B, Tq, H, dh], k and v [B, Tk, H, dh] with Tq <= Tk"
                    + " and dh >= 1; given " + q + ", " + k + " and " + v);
        }
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor q = in[0];
        Tensor k = in[1];
        Tensor v = in[2];
        check(q, k, v);
        int b = q.dim(0);
        int tq = q.dim(1);
        int h = q.dim(2);
        int dh = q.dim(3);
        Tensor out = Tensor.empty(q.backend(), q.dtype(), q.shape());
        lse = Tensor.empty(q.backend(), q.dtype(), b, h, tq);
        q.backend().attention(q.buffer(), k.buffer(), v.buffer(), out.buffer(), lse.buffer(), b, h, tq, k.dim(1), dh,
                scale);
        return out;
    }

    /** [..., T, H, dh] to the head layout [..., H, T, dh] (and back: the same swap). */
    static Tensor heads(Tensor x) {
        return x.transpose(-3, -2);
    }

    /** The additive causal mask [Tq, Tk]: 0 where {@code j <= i + Tk - Tq}, {@link #MASK} elsewhere. */
    static Tensor mask(Tensor like, int tq, int tk) {
        double[] m = new double[tq * tk];
        for (int i = 0; i < tq; i++) {
            for (int j = i + tk - tq + 1; j < tk; j++) {
                m[i * tk + j] = MASK;
            }
        }
        return Tensor.of(like.backend(), like.dtype(), m, tq, tk);
    }

    /** The probabilities P [B, H, Tq, Tk] in Tensor algebra (differentiable in q and k). */
    static Tensor probs(Tensor q, Tensor k, double scale) {
        Tensor s = heads(q).matmul(heads(k), false, true).mul(scale);
        return q.dim(1) == 1 ? s.softmax() : s.add(mask(q, q.dim(1), k.dim(1))).softmax();
    }

    /** The log-sum-exp [B, H, Tq] the last forward of this instance kept (null before one). */
    Tensor lse() {
        return lse;
    }

    /**
     * The tangent in Tensor algebra with P [B, H, Tq, Tk] materialised: {@code dout = (P ∘ (dS − rowsum(P ∘ dS))) v
     * + P dv}, {@code dS = scale (dq kᵀ + q dkᵀ)}; tangents {@code [kb, shape]} or null (zero), result
     * {@code [kb, B, Tq, H, dh]} (null when all are null). The former jvp and the oracle of {@link AttentionJvp}.
     */
    public static Tensor jvpDecomposed(Tensor q, Tensor k, Tensor v, Tensor dq, Tensor dk, Tensor dv, double scale) {
        if (dq == null && dk == null && dv == null) {
            return null;
        }
        int kb = Shapes.batch(new Tensor[]{dq, dk, dv});
        Tensor p = probs(q, k, scale);
        Tensor ds = null;
        if (dq != null) {
            ds = heads(dq).matmul(heads(k), false, true);
        }
        if (dk != null) {
            Tensor x = heads(q).matmul(heads(dk), false, true);
            ds = ds == null ? x : ds.add(x);
        }
        Tensor r = null;
        if (ds != null) {
            r = Softmax.apply(p, ds.mul(scale)).matmul(heads(v));
        }
        if (dv != null) {
            Tensor x = p.matmul(heads(dv));
            r = r == null ? x : r.add(x);
        }
        return Shapes.fit(heads(r), kb, q.shape());
    }

    /** A null tangent as zeros [kb, shape]. */
    private static Tensor orZero(Tensor t, Tensor like, int kb) {
        return t != null ? t : Tensor.zeros(like.backend(), like.dtype(), Shapes.prepend(kb, like.shape()));
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        if (t[0] == null && t[1] == null && t[2] == null) {
            return null;
        }
        int kb = Shapes.batch(t);
        AttentionJvp f = lse == null ? new AttentionJvp(scale) : new AttentionJvp(scale, out, lse);
        return Tensor.apply(f, in[0], in[1], in[2], orZero(t[0], in[0], kb), orZero(t[1], in[1], kb),
                orZero(t[2], in[2], kb));
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        Tensor o = out.detach();
        Tensor l = lse;
        if (l == null) {
            // not applied through this instance's forward: recompute the statistics
            Attention a = new Attention(scale);
            o = a.forward(new Tensor[]{in[0].detach(), in[1].detach(), in[2].detach()});
            l = a.lse;
        }
        Tensor all = Tensor.apply(new AttentionBackward(scale, o, l), in[0], in[1], in[2], g);
        return AttentionBackward.split(all, in[0].shape(), in[1].shape(), need);
    }

    /** The log-sum-exp its forward kept (read by the jvp and vjp rules), once applied. */
    @Override
    public Tensor[] held() {
        return lse == null ? new Tensor[0] : new Tensor[]{lse};
    }

    @Override
    public String toString() {
        return "Attention(scale " + scale + ")";
    }
}
