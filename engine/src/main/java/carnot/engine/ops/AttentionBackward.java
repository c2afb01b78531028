package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Buffer;

/**
 * The gradients of {@link Attention} as one primitive: inputs q [B, Tq, H, dh], k, v [B, Tk, H, dh] and the output
 * gradient g (like q); output the flat concatenation {@code [dq, dk, dv]} (nq + 2 nk elements, {@link #split}).
 * With (head layout, per (b, h)) P the probabilities, {@code dP = g vᵀ}, {@code D = rowsum(dP ∘ P)} (= rowsum(g ∘
 * out)), {@code dS = P ∘ (dP − D)}: {@code dq = s dS k}, {@code dk = s dSᵀ q}, {@code dv = Pᵀ g}.
 *
 * <p>Forward: one backend op ({@code Backend.attentionBackward}) from the attention output and log-sum-exp the
 * forward kept (primal values, consistent with q, k, v; they are not inputs). jvp (tangents q', k', v', g'), with
 * {@code P' = P ∘ (S' − rowsum(P ∘ S'))}, {@code S' = s (q' kᵀ + q k'ᵀ)}:
 * <pre>
 *   dP' = g' vᵀ + g v'ᵀ,   D' = rowsum(dP' ∘ P + dP ∘ P'),   dS' = P' ∘ (dP − D) + P ∘ (dP' − D')
 *   dq' = s (dS' k + dS k'),   dk' = s (dS'ᵀ q + dSᵀ q'),   dv' = P'ᵀ g + Pᵀ g'
 * </pre>
 * The jvp is {@link AttentionBackwardJvp} (one backend op for all directions, flash style from the kept
 * log-sum-exp, no [Tq, Tk] matrix; absent tangents are passed as zeros), whose own jvp and vjp are Tensor algebra;
 * {@link #jvpDecomposed} is that tangent in Tensor algebra, the test oracle.
 * vjp (cotangents a, b, c of dq, dk, dv), the transpose of the jvp's map: {@code W = s (a kᵀ + q bᵀ)},
 * {@code r = rowsum(W ∘ P)}, {@code E = P ∘ (W − r)}, {@code F = g cᵀ + W ∘ (dP − D) − r ∘ dP},
 * {@code S̄ = P ∘ (F − rowsum(F ∘ P))}:
 * {@code q̄ = s (dS b + S̄ k)}, {@code k̄ = s (dSᵀ a + S̄ᵀ q)}, {@code v̄ = Eᵀ g}, {@code ḡ = P c + E v}.
 * It is Tensor algebra with P recomputed from q and k, so it differentiates again.
 */
public final class AttentionBackward implements Primitive {
    private final double scale;
    private final Tensor out;
    private final Tensor lse;

    /** The gradients at the point whose attention output and log-sum-exp are {@code out} and {@code lse}. */
    AttentionBackward(double scale, Tensor out, Tensor lse) {
        this.scale = scale;
        this.out = out;
        this.lse = lse;
    }

    @Override
    public String name() {
        return "attentionBackward";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor q = in[0];
        Tensor k = in[1];
        Tensor v = in[2];
        Tensor g = in[3];
        Attention.checkGradient("attentionBackward", q, k, v, g);
        long nq = q.size();
        long nk = k.size();
        Tensor all = Tensor.empty(q.backend(), q.dtype(), Math.toIntExact(nq + 2 * nk));
        Buffer b = all.buffer();
        try (Buffer dq = b.slice(0, nq); Buffer dk = b.slice(nq, nk); Buffer dv = b.slice(nq + nk, nk)) {
            q.backend().attentionBackward(q.buffer(), k.buffer(), v.buffer(), out.buffer(), lse.buffer(), g.buffer(),
                    dq, dk, dv, q.dim(0), q.dim(2), q.dim(1), k.dim(1), q.dim(3), scale);
        }
        return all;
    }

    /** The parts dq, dk, dv of a flat {@code [dq, dk, dv]} (those asked for by {@code need}), shaped like q, k, v. */
    static Tensor[] split(Tensor all, int[] qShape, int[] kShape, boolean[] need) {
        int nq = Math.toIntExact(Shapes.size(qShape));
        int nk = Math.toIntExact(Shapes.size(kShape));
        return new Tensor[]{
                need[0] ? all.slice(0, 0, nq).reshape(qShape) : null,
                need[1] ? all.slice(0, nq, nq + nk).reshape(kShape) : null,
                need[2] ? all.slice(0, nq + nk, nq + 2 * nk).reshape(kShape) : null,
                null};
    }

    /** A null tangent as zeros [kb, shape]. */
    private static Tensor orZero(Tensor t, Tensor like, int kb) {
        return t != null ? t : Tensor.zeros(like.backend(), like.dtype(), Shapes.prepend(kb, like.shape()));
    }

    private static Tensor flat(Tensor x, int kb) {
        return x.reshape(kb, -1);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor o, Tensor[] t) {
        if (t[0] == null && t[1] == null && t[2] == null && t[3] == null) {
            return null;
        }
        int kb = Shapes.batch(t);
        return Tensor.apply(new AttentionBackwardJvp(scale, lse), in[0], in[1], in[2], in[3],
                orZero(t[0], in[0], kb), orZero(t[1], in[1], kb), orZero(t[2], in[2], kb), orZero(t[3], in[3], kb));
    }

    /**
     * The tangent in Tensor algebra with P [B, H, Tq, Tk] materialised (the formulas above); tangents
     * {@code [kb, shape]} or null (zero; at least one present), result {@code [kb, nq + 2 nk]}. The former jvp and
     * the oracle of {@link AttentionBackwardJvp}.
     */
    public static Tensor jvpDecomposed(Tensor q0, Tensor k0, Tensor v0, Tensor g0, Tensor dq, Tensor dk, Tensor dv,
                                       Tensor dg, double scale) {
        int kb = Shapes.batch(new Tensor[]{dq, dk, dv, dg});
        Tensor q = Attention.heads(q0);
        Tensor k = Attention.heads(k0);
        Tensor v = Attention.heads(v0);
        Tensor g = Attention.heads(g0);
        Tensor tq = Attention.heads(orZero(dq, q0, kb));
        Tensor tk = Attention.heads(orZero(dk, k0, kb));
        Tensor tv = Attention.heads(orZero(dv, v0, kb));
        Tensor tg = Attention.heads(orZero(dg, g0, kb));
        Tensor p = Attention.probs(q0, k0, scale);
        Tensor dp = g.matmul(v, false, true);
        Tensor dpd = dp.sub(dp.mul(p).sumKeep(-1));
        Tensor ds = p.mul(dpd);
        Tensor sp = tq.matmul(k, false, true).add(q.matmul(tk, false, true)).mul(scale);
        Tensor pp = Softmax.apply(p, sp);
        Tensor dpp = tg.matmul(v, false, true).add(g.matmul(tv, false, true));
        Tensor dd = dpp.mul(p).add(dp.mul(pp)).sumKeep(-1);
        Tensor dsp = pp.mul(dpd).add(p.mul(dpp.sub(dd)));
        Tensor gq = dsp.matmul(k).add(ds.matmul(tk)).mul(scale);
        Tensor gk = dsp.matmul(q, true, false).add(ds.matmul(tq, true, false)).mul(scale);
        Tensor gv = pp.matmul(g, true, false).add(p.matmul(tg, true, false));
        return Tensor.concat(1, flat(Attention.heads(gq), kb), flat(Attention.heads(gk), kb),
                flat(Attention.heads(gv), kb));
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor o, Tensor gbar, boolean[] need) {
        Tensor[] abc = split(gbar, in[0].shape(), in[1].shape(), new boolean[]{true, true, true});
        Tensor a = Attention.heads(abc[0]);
        Tensor b = Attention.heads(abc[1]);
        Tensor c = Attention.heads(abc[2]);
        Tensor q = Attention.heads(in[0]);
        Tensor k = Attention.heads(in[1]);
        Tensor v = Attention.heads(in[2]);
        Tensor g = Attention.heads(in[3]);
        Tensor p = Attention.probs(in[0], in[1], scale);
        Tensor dp = g.matmul(v, false, true);
        Tensor dpd = dp.sub(dp.mul(p).sumKeep(-1));
        Tensor ds = p.mul(dpd);
        Tensor w = a.matmul(k, false, true).add(q.matmul(b, false, true)).mul(scale);
        Tensor r = w.mul(p).sumKeep(-1);
        Tensor e = p.mul(w.sub(r));
        Tensor f = g.matmul(c, false, true).add(w.mul(dpd)).sub(dp.mul(r));
        Tensor sbar = Softmax.apply(p, f);
        Tensor[] res = new Tensor[4];
        if (need[0]) {
            res[0] = Attention.heads(ds.matmul(b).add(sbar.matmul(k)).mul(scale));
        }
        if (need[1]) {
            res[1] = Attention.heads(ds.matmul(a, true, false).add(sbar.matmul(q, true, false)).mul(scale));
        }
        if (need[2]) {
            res[2] = Attention.heads(e.matmul(g, true, false));
        }
        if (need[3]) {
            res[3] = Attention.heads(p.matmul(c).add(e.matmul(v)));
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
        return "AttentionBackward(scale " + scale + ")";
    }
}
