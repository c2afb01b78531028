package carnot.engine.ops;

import carnot.engine.Autodiff;
import carnot.engine.Tensor;
import carnot.kernels.Buffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The forward-mode tangent of {@link AttentionBackward} as one primitive: inputs q [B, Tq, H, dh], k, v
 * [B, Tk, H, dh], the output gradient g (like q) and their tangents q', g' [kb, B, Tq, H, dh], k', v'
 * [kb, B, Tk, H, dh] (kb directions; an absent tangent is passed as zeros); output [kb, nq + 2 nk], per direction
 * the flat {@code [dq', dk', dv']} of {@link AttentionBackward#jvpDecomposed}. Per (b, h) in the head layout, with
 * P, dP, D, dS of {@link AttentionBackward}:
 * <pre>
 *   S' = s (q' kᵀ + q k'ᵀ),   P' = P ∘ (S' − rowsum(P ∘ S')),   dP' = g' vᵀ + g v'ᵀ
 *   D' = rowsum(dP' ∘ P + dP ∘ P'),   dS' = P' ∘ (dP − D) + P ∘ (dP' − D')
 *   dq' = s (dS' k + dS k'),   dk' = s (dS'ᵀ q + dSᵀ q'),   dv' = P'ᵀ g + Pᵀ g'
 * </pre>
 *
 * <p>Forward: one backend op ({@code Backend.attentionBackwardJvp}, flash style: no [Tq, Tk] matrix, every
 * direction in one call) from attention's log-sum-exp (a primal value consistent with q, k, v; not an input: given
 * by the {@link AttentionBackward} that kept it, or recomputed); D = rowsum(dP ∘ P) comes from the same pass. The output is linear in the
 * tangent inputs x' and smooth in the primal inputs x, {@code Y(x; x') = J(x) x'} with J the Jacobian of
 * attention's backward. jvp (directions ẋ, ẋ'): {@code Y(x; ẋ') + ∂ₓY(x; x')[ẋ]}, the first term this primitive
 * again (fused), the second the forward-mode derivative of {@link AttentionBackward#jvpDecomposed} (Tensor
 * algebra, P materialised). vjp: reverse mode through {@link AttentionBackward#jvpDecomposed} on the inputs (their
 * graph and tangents kept, so it differentiates again; an input with a graph is differentiated through it, which
 * also walks that graph's history). Both are for derivatives beyond the Hessian-vector product, which itself only
 * runs the forward.
 */
public final class AttentionBackwardJvp implements Primitive {
    private final double scale;
    private final Tensor lse;

    /** The tangent map at the point whose attention log-sum-exp is {@code lse}. */
    AttentionBackwardJvp(double scale, Tensor lse) {
        this.scale = scale;
        this.lse = lse;
    }

    /** The tangent map of attention's backward; the forward recomputes the attention log-sum-exp. */
    public AttentionBackwardJvp(double scale) {
        this(scale, null);
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("attentionBackwardJvp: scale must be finite; given " + scale);
        }
    }

    @Override
    public String name() {
        return "attentionBackwardJvp";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor q = in[0];
        Tensor k = in[1];
        Tensor v = in[2];
        Tensor g = in[3];
        Attention.checkGradient("attentionBackwardJvp", q, k, v, g);
        int kb = in[4].rank() == 5 ? in[4].dim(0) : -1;
        for (int i = 4; i < 8; i++) {
            Tensor like = i == 4 || i == 7 ? q : k;
            Shapes.sameDtype("attentionBackwardJvp", q, in[i]);
            if (!Arrays.equals(in[i].shape(), Shapes.prepend(kb, like.shape()))) {
                throw new IllegalArgumentException("attentionBackwardJvp: the tangents must be shaped [kb, q's shape],"
                        + " [kb, k's shape], [kb, k's shape] and [kb, q's shape] with one kb; given " + in[4] + ", "
                        + in[5] + ", " + in[6] + " and " + in[7] + " for " + q + " and " + k);
            }
        }
        Tensor l = lse;
        if (l == null) {
            Attention a = new Attention(scale);
            a.forward(new Tensor[]{q, k, v});
            l = a.lse();
        }
        long nq = q.size();
        long nk = k.size();
        long stride = nq + 2 * nk;
        Tensor res = Tensor.empty(q.backend(), q.dtype(), kb, Math.toIntExact(stride));
        Buffer r = res.buffer();
        try (Buffer dq = r.slice(0, r.length()); Buffer dk = r.slice(nq, r.length() - nq);
             Buffer dv = r.slice(nq + nk, r.length() - nq - nk)) {
            q.backend().attentionBackwardJvp(q.buffer(), k.buffer(), v.buffer(), l.buffer(), g.buffer(),
                    in[4].buffer(), in[5].buffer(), in[6].buffer(), in[7].buffer(), dq, dk, dv, kb, stride, q.dim(0),
                    q.dim(2), q.dim(1), k.dim(1), q.dim(3), scale);
        }
        return res;
    }

    /** [k2, kb, shape] as [k2 kb, shape] (null stays null). */
    private static Tensor fold(Tensor t) {
        if (t == null) {
            return null;
        }
        int[] s = t.shape();
        int[] r = new int[s.length - 1];
        r[0] = s[0] * s[1];
        System.arraycopy(s, 2, r, 1, r.length - 1);
        return t.reshape(r);
    }

    /** A null tangent as zeros [kb, shape]. */
    private static Tensor orZero(Tensor t, Tensor like, int kb) {
        return t != null ? t : Tensor.zeros(like.backend(), like.dtype(), Shapes.prepend(kb, like.shape()));
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor o, Tensor[] t) {
        int k2 = Shapes.batch(t);
        int kb = in[4].dim(0);
        Tensor res = null;
        if (t[4] != null || t[5] != null || t[6] != null || t[7] != null) {
            Tensor lin = Tensor.apply(new AttentionBackwardJvp(scale, lse), in[0], in[1], in[2], in[3],
                    fold(orZero(t[4], in[4], k2)), fold(orZero(t[5], in[5], k2)), fold(orZero(t[6], in[6], k2)),
                    fold(orZero(t[7], in[7], k2)));
            res = lin.reshape(k2, kb, o.dim(1));
        }
        if (t[0] != null || t[1] != null || t[2] != null || t[3] != null) {
            Tensor qt = in[4];
            Tensor kt = in[5];
            Tensor vt = in[6];
            Tensor gt = in[7];
            Tensor second = Autodiff.jvp(x -> AttentionBackward.jvpDecomposed(x.get(0), x.get(1), x.get(2), x.get(3),
                            qt, kt, vt, gt, scale), List.of(in[0], in[1], in[2], in[3]),
                    Arrays.asList(t[0], t[1], t[2], t[3])).tangent();
            res = res == null ? second : res.add(second);
        }
        return res;
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor o, Tensor g, boolean[] need) {
        boolean graph = false;
        List<Tensor> xs = new ArrayList<>(in.length);
        for (Tensor x : in) {
            graph |= x.requiresGrad();
            // a node of its own per input (the same tensor may come twice), or a leaf when there is no graph
            xs.add(x.requiresGrad() ? Tensor.apply(new Reshape(x.shape()), x) : x.variable());
        }
        Tensor y = AttentionBackward.jvpDecomposed(xs.get(0), xs.get(1), xs.get(2), xs.get(3), xs.get(4), xs.get(5),
                xs.get(6), xs.get(7), scale);
        List<Tensor> wrt = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            if (need[i]) {
                wrt.add(xs.get(i));
            }
        }
        List<Tensor> gs = Autodiff.backward(y, g, wrt, graph);
        Tensor[] res = new Tensor[in.length];
        for (int i = 0, j = 0; i < in.length; i++) {
            if (need[i]) {
                res[i] = gs.get(j++);
            }
        }
        return res;
    }

    /** The attention log-sum-exp it was built with (its forward reads it). */
    @Override
    public Tensor[] held() {
        return lse == null ? new Tensor[0] : new Tensor[]{lse};
    }

    @Override
    public String toString() {
        return "AttentionBackwardJvp(scale " + scale + ")";
    }
}
