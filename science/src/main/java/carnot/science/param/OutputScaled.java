package carnot.science.param;

import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Chizat's output-scaled model {@code g(w, x) = α·f(w, x)}, or centered {@code g(w, x) = α·(f(w, x) − f(w₀, x))}
 * with w₀ the weights at construction (so g(w₀) = 0 and large α does not inflate the initial loss). Trained on
 * ℓ(g)/α² (learning rate × 1/α²) this interpolates between lazy (α → ∞) and rich (small α) training.
 */
public final class OutputScaled implements Model {
    private final Model inner;
    private final double alpha;
    private final List<Tensor> initial;

    /** @param centered subtract the output at the current weights */
    public OutputScaled(Model inner, double alpha, boolean centered) {
        if (!(alpha > 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("output multiplier alpha must be finite and > 0; given " + alpha);
        }
        this.inner = inner;
        this.alpha = alpha;
        if (centered) {
            List<Tensor> w0 = new ArrayList<>();
            for (Param p : inner.params()) {
                Tensor v = p.value();
                w0.add(Tensor.of(v.backend(), v.dtype(), v.toDoubles(), v.shape()));
            }
            this.initial = List.copyOf(w0);
        } else {
            this.initial = null;
        }
    }

    public double alpha() {
        return alpha;
    }

    /** True when the output is {@code α (f(w) − f(w0))}. */
    public boolean centered() {
        return initial != null;
    }

    @Override
    public List<Param> params() {
        return inner.params();
    }

    @Override
    public Tensor forward(List<Tensor> weights, Tensor x) {
        Tensor f = inner.forward(weights, x);
        if (initial != null) {
            Tensor f0;
            try (Scope s = Scope.open()) {
                f0 = s.keep(inner.forward(initial, x).detach());
            }
            f = f.sub(f0);
        }
        return f.mul(alpha);
    }
}
