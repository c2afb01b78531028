package carnot.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * The gradient of the directional curvature {@code S_u(w) = uᵀ H(w) u} for a fixed direction u, with the loss, the
 * gradient and {@code H u} of the same pass. When u is the unit top eigenvector of H(w), S_u(w) = λ_max(w) and (for
 * a simple top eigenvalue) {@code ∇λ_max(w) = ∇_w(uᵀ H(w) u)} with u held fixed — a third derivative
 * {@code ∇S = D³L(w)[u, u, ·]}.
 *
 * <p>Computed by reverse over reverse over reverse on each chunk: {@code g = ∇L} with its graph kept,
 * {@code Hu = ∇⟨g, u⟩} with its graph kept, {@code ∇S = ∇⟨Hu, u⟩}; each chunk's loss is normalised by the whole
 * data set's normaliser so the sums over chunks are the full-batch quantities (the chunk size only bounds memory).
 * Cost ≈ 7 gradient passes per chunk.
 */
public final class SharpnessGradient {
    private SharpnessGradient() {
    }

    /**
     * Full-batch quantities at the model's current weights.
     *
     * @param loss      L(w)
     * @param grad      ∇L(w)
     * @param hu        H(w) u
     * @param curvature uᵀ H(w) u
     * @param gradS     ∇_w (uᵀ H(w) u), u fixed
     */
    public record Result(double loss, ParamVector grad, ParamVector hu, double curvature, ParamVector gradS) {
    }

    /**
     * Loss, gradient, H u, uᵀHu and ∇(uᵀHu) of {@code loss} over all of {@code data} in chunks of {@code chunk}
     * samples, at the current parameter values of {@code model}; u is shaped like the parameters.
     */
    public static Result of(Model model, Loss loss, DataSet data, int chunk, ParamVector u) {
        List<Param> ps = model.params();
        if (u.parts().size() != ps.size()) {
            throw new IllegalArgumentException("sharpness gradient: u needs one part per parameter (" + ps.size()
                    + "); given " + u.parts().size());
        }
        for (int i = 0; i < ps.size(); i++) {
            if (!java.util.Arrays.equals(u.get(i).shape(), ps.get(i).shape())) {
                throw new IllegalArgumentException("sharpness gradient: u part " + i + " (" + ps.get(i).name() + ") must have shape "
                        + java.util.Arrays.toString(ps.get(i).shape()) + "; given " + java.util.Arrays.toString(u.get(i).shape()));
            }
        }
        double norm = loss.count(data);
        int n = ps.size();
        Tensor[] g = new Tensor[n];
        Tensor[] hu = new Tensor[n];
        Tensor[] gs = new Tensor[n];
        double[] sums = {0, 0}; // loss, curvature
        data.chunks(chunk, (from, to, s) -> {
            var ws = new ArrayList<Tensor>(n);
            for (Param p : ps) {
                ws.add(p.value().variable());
            }
            Tensor out = model.forward(ws, data.x(from, to));
            Tensor l = loss.apply(out, data.y(from, to), norm);
            sums[0] += l.item();
            List<Tensor> g1 = Autodiff.backward(l, Tensor.ones(l.backend(), l.dtype(), l.shape()), ws, true);
            Tensor gu = dot(g1, u);
            List<Tensor> h1 = Autodiff.backward(gu, Tensor.ones(gu.backend(), gu.dtype(), gu.shape()), ws, true);
            Tensor su = dot(h1, u);
            sums[1] += su.item();
            List<Tensor> s1 = su.requiresGrad()
                    ? Autodiff.backward(su, Tensor.ones(su.backend(), su.dtype(), su.shape()), ws, false)
                    : null;
            for (int i = 0; i < n; i++) {
                g[i] = FullBatch.accumulate(s, g[i], g1.get(i).detach());
                hu[i] = FullBatch.accumulate(s, hu[i], h1.get(i).detach());
                Tensor si = s1 == null ? Tensor.zeros(ws.get(i).backend(), ws.get(i).dtype(), ws.get(i).shape())
                        : s1.get(i).detach();
                gs[i] = FullBatch.accumulate(s, gs[i], si);
            }
            return true;
        });
        return new Result(sums[0], new ParamVector(List.of(g)), new ParamVector(List.of(hu)), sums[1],
                new ParamVector(List.of(gs)));
    }

    /** {@code Σ_i ⟨a_i, u_i⟩} as a differentiable scalar. */
    private static Tensor dot(List<Tensor> a, ParamVector u) {
        Tensor sum = null;
        for (int i = 0; i < a.size(); i++) {
            Tensor term = a.get(i).mul(u.get(i)).sum();
            sum = sum == null ? term : sum.add(term);
        }
        return sum;
    }
}
