package carnot.science.spectral;

import carnot.engine.LinearOperator;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.DType;

/**
 * The symmetrically preconditioned operator {@code P^{-1/2} A P^{-1/2}} for a positive diagonal preconditioner
 * {@code P = diag(p)}: it is similar to {@code P^{-1} A} (same eigenvalues), so its top eigenvalue is the
 * preconditioned sharpness {@code λ_max(P^{-1} H)} that governs the stability of preconditioned gradient methods
 * {@code w ← w − η P^{-1} ∇L} (stable on a quadratic iff η λ_max(P^{-1}H) &lt; 2; Cohen et al. 2022, "Adaptive
 * gradient methods at the edge of stability"). For Adam, {@link #adam} builds {@code p = √v̂ + ε} from the
 * optimizer's second-moment state.
 *
 * <p>The scaling vector {@code p^{-1/2}} is one tensor allocated at construction (owned by the scope open then).
 */
public final class Preconditioned implements LinearOperator {
    private final LinearOperator a;
    private final Tensor invSqrt;

    private Preconditioned(LinearOperator a, Tensor invSqrt) {
        this.a = a;
        this.invSqrt = invSqrt;
    }

    /** {@code P^{-1/2} A P^{-1/2}} with {@code P = diag(p)}; every p_i must be finite and positive. */
    public static Preconditioned of(LinearOperator a, double[] p) {
        if (p.length != a.dim()) {
            throw new IllegalArgumentException("preconditioner needs one entry per coordinate (" + a.dim() + "); given "
                    + p.length);
        }
        double[] s = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            if (!(p[i] > 0) || !Double.isFinite(p[i])) {
                throw new IllegalArgumentException("preconditioner entries must be finite and > 0; entry " + i + " is " + p[i]);
            }
            s[i] = 1 / Math.sqrt(p[i]);
        }
        return new Preconditioned(a, Tensor.of(a.backend(), a.dtype(), s, s.length));
    }

    /**
     * Adam's preconditioner {@code p_i = √(v_i / (1 − β₂ᵗ)) + ε} (the denominator of its update) from the
     * second-moment buffer v after t steps (t ≥ 1).
     */
    public static double[] adam(double[] v, long t, double beta2, double eps) {
        if (t < 1) {
            throw new IllegalArgumentException("Adam preconditioner needs at least one step taken; given t = " + t);
        }
        double c2 = 1 - Math.pow(beta2, t);
        double[] p = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            p[i] = Math.sqrt(v[i] / c2) + eps;
        }
        return p;
    }

    /**
     * The edge-of-stability threshold of Adam with momentum β₁ on the preconditioned sharpness:
     * {@code (2 + 2β₁) / ((1 − β₁) η)} (38/η at β₁ = 0.9; Cohen et al. 2022).
     */
    public static double adamThreshold(double lr, double beta1) {
        return (2 + 2 * beta1) / ((1 - beta1) * lr);
    }

    @Override
    public int dim() {
        return a.dim();
    }

    @Override
    public DType dtype() {
        return a.dtype();
    }

    @Override
    public Backend backend() {
        return a.backend();
    }

    @Override
    public Tensor apply(Tensor v) {
        return a.apply(v.mul(invSqrt)).mul(invSqrt);
    }

    @Override
    public Tensor applyBatch(Tensor vs) {
        if (vs.rank() != 2 || vs.dim(1) != dim()) {
            throw new IllegalArgumentException("applyBatch: V must be [k, " + dim() + "]; given " + java.util.Arrays.toString(vs.shape()));
        }
        Tensor row = invSqrt.reshape(1, dim());
        return a.applyBatch(vs.mul(row)).mul(row);
    }
}
