package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Buffer;
import java.util.Arrays;

/**
 * The forward-mode tangent of {@link Attention} as one primitive: inputs q [B, Tq, H, dh], k, v [B, Tk, H, dh] and
 * their tangents a [kb, B, Tq, H, dh], b, c [kb, B, Tk, H, dh] (kb directions; an absent tangent is passed as
 * zeros); output [kb, B, Tq, H, dh], {@link Attention#jvpDecomposed} of them. In the head layout with P the
 * probabilities: {@code F = E v + P c}, {@code W = s (a kᵀ + q bᵀ)}, {@code E = P ∘ (W − rowsum(P ∘ W))}.
 *
 * <p>Forward: one backend op ({@code Backend.attentionJvp}, flash style: no [Tq, Tk] matrix) per direction, from
 * the attention output and log-sum-exp (primal values consistent with q, k, v; not inputs: given by the
 * {@link Attention} instance that kept them, or recomputed). jvp (tangents q', k', v', a', b', c'), with
 * {@code Ṡ = s (q' kᵀ + q k'ᵀ)}, {@code Ṗ = P ∘ (Ṡ − rowsum(P ∘ Ṡ))}, {@code Ẇ = s (a' kᵀ + a k'ᵀ + q' bᵀ + q b'ᵀ)}:
 * <pre>
 *   Ė = Ṗ ∘ (W − r) + P ∘ (Ẇ − rowsum(P ∘ Ẇ)) − P ∘ rowsum(Ṗ ∘ W),   r = rowsum(P ∘ W)
 *   Ḟ = Ė v + E v' + Ṗ c + P c'
 * </pre>
 * (q', k', v' get a unit axis after their batch so they broadcast against the kb axis of a, b, c.) vjp (cotangent
 * g [kb, B, Tq, H, dh]), with {@code dP = g vᵀ}, {@code dS = P ∘ (dP − D)}, {@code D = rowsum(P ∘ dP)}: the
 * tangent inputs get attention's gradient per direction, {@code ā = s dS k}, {@code b̄ = s dSᵀ q}, {@code c̄ = Pᵀ g};
 * the primal inputs, summed over directions, {@code q̄ = s (dS b + S̄ k)}, {@code k̄ = s (dSᵀ a + S̄ᵀ q)},
 * {@code v̄ = Eᵀ g} with {@code S̄ = P ∘ (Φ − rowsum(P ∘ Φ))}, {@code Φ = g cᵀ + W ∘ (dP − D) − r ∘ dP}. Both are
 * Tensor algebra with P recomputed from q and k, so they differentiate again.
 */
public final class AttentionJvp implements Primitive {
    private final double scale;
    private final Tensor out;
    private final Tensor lse;

    /** The tangent map at the point whose attention output and log-sum-exp are {@code out} and {@code lse}. */
    AttentionJvp(double scale, Tensor out, Tensor lse) {
        this.scale = scale;
        this.out = out;
        this.lse = lse;
    }

    /** The tangent map of {@code Attention(scale)}; the forward recomputes the attention output and log-sum-exp. */
    public AttentionJvp(double scale) {
        this(scale, null, null);
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("attentionJvp: scale must be finite; given " + scale);
        }
    }

    @Override
    public String name() {
        return "attentionJvp";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor q = in[0];
        Tensor k = in[1];
        Tensor v = in[2];
        Attention.check(q, k, v);
        int kb = in[3].rank() == 5 ? in[3].dim(0) : -1;
        for (int i = 3; i < 6; i++) {
            Tensor like = i == 3 ? q : k;
            Shapes.sameDtype("attentionJvp", q, in[i]);
            if (!Arrays.equals(in[i].shape(), Shapes.prepend(kb, like.shape()))) {
                throw new IllegalArgumentException("attentionJvp: the tangents must be shaped [kb, q's shape], [kb, k's"
                        + " shape] and [kb, k's shape] with one kb; given " + in[3] + ", " + in[4] + " and " + in[5]
                        + " for " + q + " and " + k);
            }
        }
        Tensor o = out;
        Tensor l = lse;
        if (o == null || l == null) {
            Attention a = new Attention(scale);
            o = a.forward(new Tensor[]{q, k, v});
            l = a.lse();
        }
        long nq = q.size();
        long nk = k.size();
        Tensor res = Tensor.empty(q.backend(), q.dtype(), Shapes.prepend(kb, q.shape()));
        for (int i = 0; i < kb; i++) {
            try (Buffer a = in[3].buffer().slice(i * nq, nq); Buffer b = in[4].buffer().slice(i * nk, nk);
                 Buffer c = in[5].buffer().slice(i * nk, nk); Buffer r = res.buffer().slice(i * nq, nq)) {
                q.backend().attentionJvp(q.buffer(), k.buffer(), v.buffer(), o.buffer(), l.buffer(), a, b, c, r,
                        q.dim(0), q.dim(2), q.dim(1), k.dim(1), q.dim(3), scale);
            }
        }
        return res;
    }

    /** x + y with null as zero. */
    private static Tensor plus(Tensor x, Tensor y) {
        return x == null ? y : y == null ? x : x.add(y);
    }

    /** s (x yᵀ) + s (z wᵀ) on the head layout, a null factor dropping its term (null if both drop). */
    private Tensor pair(Tensor x, Tensor y, Tensor z, Tensor w) {
        Tensor a = x == null || y == null ? null : x.matmul(y, false, true);
        Tensor b = z == null || w == null ? null : z.matmul(w, false, true);
        Tensor r = plus(a, b);
        return r == null ? null : r.mul(scale);
    }

    /** A primal-input tangent [k2, shape] as [k2, 1, shape] in the head layout (null stays null). */
    private static Tensor lift(Tensor t) {
        if (t == null) {
            return null;
        }
        int[] s = t.shape();
        int[] r = new int[s.length + 1];
        r[0] = s[0];
        r[1] = 1;
        System.arraycopy(s, 1, r, 2, s.length - 1);
        return Attention.heads(t.reshape(r));
    }

    private static Tensor head(Tensor t) {
        return t == null ? null : Attention.heads(t);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor o, Tensor[] t) {
        int k2 = Shapes.batch(t);
        Tensor q = Attention.heads(in[0]);
        Tensor k = Attention.heads(in[1]);
        Tensor v = Attention.heads(in[2]);
        Tensor a = Attention.heads(in[3]);
        Tensor b = Attention.heads(in[4]);
        Tensor c = Attention.heads(in[5]);
        Tensor qt = lift(t[0]);
        Tensor kt = lift(t[1]);
        Tensor vt = lift(t[2]);
        Tensor p = Attention.probs(in[0], in[1], scale);
        Tensor w = a.matmul(k, false, true).add(q.matmul(b, false, true)).mul(scale);
        Tensor r = w.mul(p).sumKeep(-1);
        Tensor e = p.mul(w.sub(r));
        Tensor sd = pair(qt, k, q, kt);
        Tensor pd = sd == null ? null : Softmax.apply(p, sd);
        Tensor wd = plus(pair(head(t[3]), k, a, kt), pair(qt, b, q, head(t[4])));
        Tensor ed = null;
        if (pd != null) {
            ed = pd.mul(w.sub(r)).sub(p.mul(pd.mul(w).sumKeep(-1)));
        }
        if (wd != null) {
            ed = plus(ed, Softmax.apply(p, wd));
        }
        Tensor f = ed == null ? null : ed.matmul(v);
        f = plus(f, vt == null ? null : e.matmul(vt));
        f = plus(f, pd == null ? null : pd.matmul(c));
        f = plus(f, t[5] == null ? null : p.matmul(head(t[5])));
        if (f == null) {
            return null;
        }
        return Attention.heads(f).broadcastTo(Shapes.prepend(k2, o.shape()));
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor o, Tensor g, boolean[] need) {
        Tensor q = Attention.heads(in[0]);
        Tensor k = Attention.heads(in[1]);
        Tensor v = Attention.heads(in[2]);
        Tensor gh = Attention.heads(g);
        Tensor p = Attention.probs(in[0], in[1], scale);
        Tensor dp = gh.matmul(v, false, true);
        Tensor dpd = dp.sub(dp.mul(p).sumKeep(-1));
        Tensor ds = p.mul(dpd);
        Tensor[] res = new Tensor[6];
        if (need[3]) {
            res[3] = Attention.heads(ds.matmul(k).mul(scale));
        }
        if (need[4]) {
            res[4] = Attention.heads(ds.matmul(q, true, false).mul(scale));
        }
        if (need[5]) {
            res[5] = Attention.heads(p.matmul(gh, true, false)).broadcastTo(in[5].shape());
        }
        if (need[0] || need[1] || need[2]) {
            Tensor a = Attention.heads(in[3]);
            Tensor b = Attention.heads(in[4]);
            Tensor c = Attention.heads(in[5]);
            Tensor w = a.matmul(k, false, true).add(q.matmul(b, false, true)).mul(scale);
            Tensor r = w.mul(p).sumKeep(-1);
            Tensor phi = gh.matmul(c, false, true).add(w.mul(dpd)).sub(dp.mul(r));
            Tensor sbar = Softmax.apply(p, phi);
            if (need[0]) {
                res[0] = Attention.heads(ds.matmul(b).add(sbar.matmul(k)).mul(scale).sum(0));
            }
            if (need[1]) {
                res[1] = Attention.heads(ds.matmul(a, true, false).add(sbar.matmul(q, true, false)).mul(scale).sum(0));
            }
            if (need[2]) {
                res[2] = Attention.heads(p.mul(w.sub(r)).matmul(gh, true, false).sum(0));
            }
        }
        return res;
    }

    /** The attention output and log-sum-exp it was built with (its forward reads them). */
    @Override
    public Tensor[] held() {
        return out == null ? new Tensor[0] : new Tensor[]{out, lse};
    }

    @Override
    public String toString() {
        return "AttentionJvp(scale " + scale + ")";
    }
}
