package carnot.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * A network as a pure function of its weights: {@link #forward(List, Tensor)} must compute only from the given
 * weight tensors (same order as {@link #params()}, multipliers applied inside as {@code multiplier * w}) so that
 * autodiff differentiates with respect to them.
 */
public interface Model {

    /** The parameters, in a fixed order. */
    List<Param> params();

    /** Outputs for inputs {@code x} (e.g. [N, in] to [N, out]) using {@code weights} in place of the values. */
    Tensor forward(List<Tensor> weights, Tensor x);

    /**
     * The hidden features of every layer for inputs {@code x}, computed from {@code weights} exactly as
     * {@link #forward(List, Tensor)} computes them: for a network h_l = φ(z_l), l = 1 … L−1, each [N, d_l], in layer
     * order (the outputs are not among them). Models without per-layer hidden features refuse.
     */
    default List<Tensor> features(List<Tensor> weights, Tensor x) {
        throw new UnsupportedOperationException(this + " gives no per-layer hidden features (Model.features)");
    }

    /**
     * The readout as an affine map of the last entry of {@link #features}: outputs = h Wᵀ + b. Models whose outputs
     * are not such a map of their last features refuse.
     */
    default Readout readout(List<Tensor> weights) {
        throw new UnsupportedOperationException(this + " gives no affine readout of its last features (Model.readout)");
    }

    /** Outputs with the current parameter values. */
    default Tensor forward(Tensor x) {
        return forward(values(), x);
    }

    /** Current values of the parameters, in order. */
    default List<Tensor> values() {
        var v = new ArrayList<Tensor>();
        for (Param p : params()) {
            v.add(p.value());
        }
        return v;
    }

    /** Total number of scalar parameters P. */
    default long numParams() {
        long n = 0;
        for (Param p : params()) {
            n += p.size();
        }
        return n;
    }
}
