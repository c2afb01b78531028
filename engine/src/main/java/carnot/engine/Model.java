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
