package carnot.models;

import carnot.engine.Param;
import carnot.engine.Role;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a model's parameter list with reproducible initial values: parameter k draws from the counter-based
 * normal stream {@code (seed, offset_k + i)} where {@code offset_k} is the total size of the parameters before it,
 * so the same seed gives the same weights on every backend and no two parameters share random numbers.
 */
final class Init {
    private final Backend backend;
    private final DType dtype;
    private final long seed;
    private final List<Param> params = new ArrayList<>();
    private long offset;

    Init(Backend backend, DType dtype, long seed) {
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException("model dtype must be F32 or F64; given " + dtype);
        }
        this.backend = backend;
        this.dtype = dtype;
        this.seed = seed;
    }

    /** A parameter with entries {@code N(0, std²)}. */
    void normal(String name, Role role, int fanIn, int fanOut, double std, int... shape) {
        add(name, role, fanIn, fanOut, Tensor.randn(backend, dtype, seed, offset, std, shape));
    }

    /** A parameter with every entry {@code value} (biases 0, gains 1); still advances the offset. */
    void constant(String name, Role role, int fanIn, int fanOut, double value, int... shape) {
        add(name, role, fanIn, fanOut, Tensor.full(backend, dtype, value, shape));
    }

    private void add(String name, Role role, int fanIn, int fanOut, Tensor value) {
        params.add(new Param(name, role, fanIn, fanOut, value));
        offset += value.size();
    }

    List<Param> params() {
        return List.copyOf(params);
    }

    /** {@code m · w} for the parameter's forward multiplier m (no op when m = 1). */
    static Tensor scaled(Param p, Tensor w) {
        double m = p.multiplier();
        return m == 1 ? w : w.mul(m);
    }

    /** Checks that {@code weights} match {@code params} in count and shapes. */
    static void check(String model, List<Param> params, List<Tensor> weights) {
        if (weights.size() != params.size()) {
            throw new IllegalArgumentException(model + ".forward needs " + params.size() + " weight tensors; given "
                    + weights.size());
        }
        for (int i = 0; i < params.size(); i++) {
            if (!java.util.Arrays.equals(params.get(i).shape(), weights.get(i).shape())) {
                throw new IllegalArgumentException(model + ".forward: weight " + params.get(i).name() + " must have shape "
                        + java.util.Arrays.toString(params.get(i).shape()) + "; given "
                        + java.util.Arrays.toString(weights.get(i).shape()));
            }
        }
    }
}
