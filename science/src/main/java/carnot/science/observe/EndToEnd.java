package carnot.science.observe;

import java.util.ArrayList;
import java.util.List;

/**
 * The end-to-end map of a deep linear network, {@code W = W_L ⋯ W_2 W_1} with W_l of shape [out_l, in_l], and its
 * singular values (descending) — the quantities whose stage-wise growth is the saddle-to-saddle dynamics.
 *
 * <p>Under a parameterization the network computes with the effective weights {@code m_l W_l} (forward multipliers
 * m_l) and scales its output by α, so the map it computes is {@link #map}: {@code α (∏_l m_l) W_L ⋯ W_1}; trained
 * centered, {@code α (∏_l m_l) (W_L ⋯ W_1 − W_L(0) ⋯ W_1(0))}. Gradient descent with per-layer learning-rate
 * multipliers η_l conserves {@code W_{l+1}ᵀW_{l+1}/η_{l+1} − W_l W_lᵀ/η_l} in the stored weights whatever the m_l
 * and α ({@code dW_l/dt = −η_l m_l ∂L/∂V_l} with {@code V_l = m_l W_l} and {@code V_{l+1}ᵀ ∂L/∂V_{l+1} = ∂L/∂V_l
 * V_lᵀ}); {@link #balanceScaled} gives the matrices {@code W_l/√η_l} whose plain imbalance is that quantity.
 */
public final class EndToEnd {
    private EndToEnd() {
    }

    /** {@code W_L ⋯ W_1} for weights listed from the first layer (W_1) to the last. */
    public static Matrix product(List<Matrix> weights) {
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("end-to-end product needs at least one weight matrix; given none");
        }
        Matrix p = weights.getFirst();
        for (int l = 1; l < weights.size(); l++) {
            Matrix w = weights.get(l);
            if (w.cols() != p.rows()) {
                throw new IllegalArgumentException("end-to-end product: layer " + (l + 1) + " of shape " + w.shape()
                        + " does not take the " + p.rows() + " outputs of the layers before it");
            }
            p = w.times(p);
        }
        return p;
    }

    /**
     * The network's map {@code α (∏_l m_l) W_L ⋯ W_1}, less the same map at {@code initial} when that is not null
     * (centered training); {@code multipliers[l]} is the forward multiplier of {@code weights.get(l)}.
     */
    public static Matrix map(List<Matrix> weights, double[] multipliers, double alpha, List<Matrix> initial) {
        if (multipliers.length != weights.size()) {
            throw new IllegalArgumentException("end-to-end map needs one forward multiplier per weight matrix; given "
                    + multipliers.length + " for " + weights.size());
        }
        double c = alpha;
        for (double m : multipliers) {
            c *= m;
        }
        Matrix p = product(weights);
        if (initial != null) {
            p = p.minus(product(initial));
        }
        return p.scale(c);
    }

    /** {@code W_l / √η_l} for each layer: their imbalance is the conserved quantity under per-layer rates η_l. */
    public static List<Matrix> balanceScaled(List<Matrix> weights, double[] lrMultipliers) {
        if (lrMultipliers.length != weights.size()) {
            throw new IllegalArgumentException("balance scaling needs one learning-rate multiplier per weight matrix;"
                    + " given " + lrMultipliers.length + " for " + weights.size());
        }
        List<Matrix> out = new ArrayList<>(weights.size());
        for (int l = 0; l < weights.size(); l++) {
            if (!(lrMultipliers[l] > 0)) {
                throw new IllegalArgumentException("learning-rate multiplier of layer " + (l + 1) + " must be > 0; given "
                        + lrMultipliers[l]);
            }
            out.add(weights.get(l).scale(1 / Math.sqrt(lrMultipliers[l])));
        }
        return out;
    }

    /** Singular values of {@link #product}, descending. */
    public static double[] singularValues(List<Matrix> weights) {
        return product(weights).singularValues();
    }
}
