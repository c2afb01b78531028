package carnot.engine.observe;

import java.util.List;

/**
 * The end-to-end map of a deep linear network, {@code W = W_L ⋯ W_2 W_1} with W_l of shape [out_l, in_l], and its
 * singular values (descending) — the quantities whose stage-wise growth is the saddle-to-saddle dynamics.
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
            p = weights.get(l).times(p);
        }
        return p;
    }

    /** Singular values of {@link #product}, descending. */
    public static double[] singularValues(List<Matrix> weights) {
        return product(weights).singularValues();
    }
}
