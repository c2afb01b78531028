package carnot.science.optim;

import carnot.engine.ParamVector;
import java.util.function.Function;

/**
 * Gradient flow {@code dw/dt = −∇L(w)} integrated with classical fourth-order Runge-Kutta:
 * {@code k₁ = −∇L(w)}, {@code k₂ = −∇L(w + h/2 k₁)}, {@code k₃ = −∇L(w + h/2 k₂)}, {@code k₄ = −∇L(w + h k₃)},
 * {@code w ← w + h/6 (k₁ + 2k₂ + 2k₃ + k₄)}. The step is bounded by a fraction of the stability scale of the flow:
 * {@code h = min(hMax, fraction / λ_max)} where λ_max is the current sharpness (RK4 is stable on λh &lt; 2.78).
 */
public final class GradientFlow {
    private final Function<ParamVector, ParamVector> grad;
    private final double fraction;
    private final double hMax;
    private double time;

    /**
     * @param grad     w ↦ ∇L(w), a new vector laid out as w (must not modify its argument; the flow closes the result)
     * @param fraction step as a fraction of 1/λ_max, in (0, 2.5]
     * @param hMax     upper bound on the step (used when λ_max ≤ 0 or unknown)
     */
    public GradientFlow(Function<ParamVector, ParamVector> grad, double fraction, double hMax) {
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

    /** One RK4 step in place (on w's backend: four gradients and elementwise kernels); returns the step h used. */
    public double step(ParamVector w, double sharpness) {
        double h = stepFor(sharpness);
        try (ParamVector k1 = grad.apply(w);
             ParamVector w2 = w.axpy(-h / 2, k1);
             ParamVector k2 = grad.apply(w2);
             ParamVector w3 = w.axpy(-h / 2, k2);
             ParamVector k3 = grad.apply(w3);
             ParamVector w4 = w.axpy(-h, k3);
             ParamVector k4 = grad.apply(w4);
             ParamVector sum = k1.copy()) {
            sum.addScaled(2, k2).addScaled(2, k3).addScaled(1, k4);
            w.addScaled(-h / 6, sum);
        }
        time += h;
        return h;
    }

    /** Flow time integrated so far. */
    public double time() {
        return time;
    }
}
