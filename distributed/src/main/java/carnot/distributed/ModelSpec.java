package carnot.distributed;

import carnot.engine.Model;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;
import carnot.models.Transformer;
import java.io.Serializable;

/**
 * How an executor builds its copy of the model: a small serializable description (architecture, sizes, dtype,
 * backend name) sent with every task instead of the model itself. The weights do not travel with it: each
 * product broadcasts them once ({@link DistributedProblem}), and the executor writes them into the model it built.
 * {@link #multipliers()} are the forward multipliers {@code m} of the parameters (a parameterization's, default 1),
 * in parameter order, applied once after {@link #build}.
 */
public interface ModelSpec extends Serializable {

    /** Backend name as {@link carnot.kernels.BackendSelector#select} takes it ("cpu", "ref", ...). */
    String backend();

    /** Parameter and compute dtype. */
    DType dtype();

    /** Forward multipliers per parameter, in order, or null for all 1. */
    double[] multipliers();

    /** A fresh model on {@code backend} (weights from the spec's seed; they are overwritten before use). */
    Model build(Backend backend);

    /** {@link Mlp}: widths d0..dL, hidden activation, biases. */
    record MlpSpec(String backend, DType dtype, int[] widths, Activation act, boolean bias, long seed,
                   double[] multipliers) implements ModelSpec {
        @Override
        public Model build(Backend be) {
            return new Mlp(be, dtype, widths, act, bias, seed);
        }
    }

    /** {@link Transformer} with its config; {@code lastOnly}: logits of the last position only. */
    record TransformerSpec(String backend, DType dtype, int vocab, int ctx, int dModel, int heads, int layers,
                           int mlpRatio, boolean lastOnly, long seed, double[] multipliers) implements ModelSpec {
        @Override
        public Model build(Backend be) {
            return new Transformer(be, dtype, new Transformer.Config(vocab, ctx, dModel, heads, layers, mlpRatio),
                    lastOnly, seed);
        }
    }
}
