package carnot.engine.optim;

import java.util.function.Function;

/**
 * Gradient flow {@code dw/dt = −∇L(w)} integrated with classical fourth-order Runge-Kutta:
 * {@code k₁ = −∇L(w)}, {@code k₂ = −∇L(w + h/2 k₁)}, {@code k₃ = −∇L(w + h/2 k₂)}, {@code k₄ = −∇L(w + h k₃)},
 * {@code w ← w + h/6 (k₁ + 2k₂ + 2k₃ + k₄)}. The step is bounded by a fraction of the stability scale of the flow:
 * {@code h = min(hMax, fraction / λ_max)} where λ_max is the current sharpness (RK4 is stable on λh &lt; 2.78).
 */
public final class GradientFlow {
    private final Function<double[], double[]> grad;
    private final double fraction;
    private final double hMax;
    private double time;

    /**
     * @param grad     w ↦ ∇L(w) (must not modify its argument)
     * @param fraction step as a fraction of 1/λ_max, in (0, 2.5]
     * @param hMax     upper bound on the step (used when λ_max ≤ 0 or unknown)
     */
    public GradientFlow(Function<double[], double[]> grad, double fraction, double hMax) {
        if (!(fraction > 0 && fraction <= 2.5) || !(hMax > 0)) {
            throw new IllegalArgumentException("gradient flow needs fraction in (0, 2.5] and hMax > 0; given fraction="
                    + fraction + " hMax=" + hMax);
        }
        this.grad = grad;
        this.fraction = fraction;
        this.hMax = hMax;
    }

    /** The step size for sharpness λ_max: {@code min(hMax, fraction/λ_max)}. */
    public double stepFor(double sharpness) {
        return sharpness > 0 ? Math.min(hMax, fraction / sharpness) : hMax;
    }

    /** One RK4 step in place; returns the step h used. */
    public double step(double[] w, double sharpness) {
        double h = stepFor(sharpness);
        int n = w.length;
        double[] k1 = grad.apply(w);
        double[] k2 = grad.apply(shifted(w, k1, -h / 2));
        double[] k3 = grad.apply(shifted(w, k2, -h / 2));
        double[] k4 = grad.apply(shifted(w, k3, -h));
        for (int i = 0; i < n; i++) {
            w[i] -= h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
        }
        time += h;
        return h;
    }

    /** Flow time integrated so far. */
    public double time() {
        return time;
    }

    private static double[] shifted(double[] w, double[] k, double a) {
        double[] r = w.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] += a * k[i];
        }
        return r;
    }
}
