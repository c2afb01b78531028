package carnot.science;

import carnot.engine.ArrayDataSet;
import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.Role;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import java.util.List;

/** A two-layer tanh MLP {@code y = W1 tanh(W0 x + b0) + b1} for the science layer's tests, seeded. */
public final class TinyMlp implements Model {
    private final List<Param> params;

    public TinyMlp(Backend be, DType dtype, int in, int hidden, int out, long seed) {
        params = List.of(
                new Param("layers.0.weight", Role.INPUT, in, hidden,
                        Tensor.randn(be, dtype, seed, 0, 1 / Math.sqrt(in), hidden, in)),
                new Param("layers.0.bias", Role.BIAS, 1, hidden, Tensor.randn(be, dtype, seed, 1000, 0.3, hidden)),
                new Param("layers.1.weight", Role.READOUT, hidden, out,
                        Tensor.randn(be, dtype, seed, 2000, 1 / Math.sqrt(hidden), out, hidden)),
                new Param("layers.1.bias", Role.BIAS, 1, out, Tensor.randn(be, dtype, seed, 3000, 0.1, out)));
    }

    @Override
    public List<Param> params() {
        return params;
    }

    @Override
    public Tensor forward(List<Tensor> w, Tensor x) {
        Tensor h = x.matmul(w.get(0), false, true).add(w.get(1)).tanh();
        return h.matmul(w.get(2), false, true).add(w.get(3));
    }

    /** Gaussian inputs [n, in] and targets [n, out]. */
    public static ArrayDataSet data(Backend be, DType dtype, int n, int in, int out, long seed) {
        return new ArrayDataSet(Tensor.randn(be, dtype, seed, 0, 1, n, in), Tensor.randn(be, dtype, seed, 1L << 20, 1, n, out));
    }
}
