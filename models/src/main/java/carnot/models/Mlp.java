package carnot.models;

import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.Readout;
import carnot.engine.Role;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fully connected network with widths {@code d_0, …, d_L}: {@code h_0 = x} [N, d_0],
 * {@code h_{i+1} = φ(h_i (m_i W_i)ᵀ + m'_i b_i)} for i &lt; L−1 and output {@code h_{L−1} (m W_{L−1})ᵀ + m' b_{L−1}}
 * [N, d_L] (no activation on the output). Parameters {@code layers.{i}.weight} [d_{i+1}, d_i] (role INPUT for i = 0,
 * READOUT for i = L−1, HIDDEN otherwise; READOUT when L = 1) with {@code W ~ N(0, 1/d_i)}, and when {@code bias}
 * {@code layers.{i}.bias} [d_{i+1}] (role BIAS) initialized to 0. Equals PyTorch's {@code Mlp} in models/README.md.
 */
public final class Mlp implements Model {
    private final int[] widths;
    private final Activation act;
    private final boolean bias;
    private final List<Param> params;

    /** An MLP on {@code backend} in {@code dtype}, weights from {@code seed}. */
    public Mlp(Backend backend, DType dtype, int[] widths, Activation act, boolean bias, long seed) {
        if (widths.length < 2) {
            throw new IllegalArgumentException("Mlp needs at least two widths (input, output); given "
                    + Arrays.toString(widths));
        }
        for (int w : widths) {
            if (w <= 0) {
                throw new IllegalArgumentException("Mlp widths must be positive; given " + Arrays.toString(widths));
            }
        }
        this.widths = widths.clone();
        this.act = act;
        this.bias = bias;
        Init init = new Init(backend, dtype, seed);
        int layers = widths.length - 1;
        for (int i = 0; i < layers; i++) {
            Role role = i == layers - 1 ? Role.READOUT : i == 0 ? Role.INPUT : Role.HIDDEN;
            init.normal("layers." + i + ".weight", role, widths[i], widths[i + 1], 1 / Math.sqrt(widths[i]),
                    widths[i + 1], widths[i]);
            if (bias) {
                init.constant("layers." + i + ".bias", Role.BIAS, 1, widths[i + 1], 0, widths[i + 1]);
            }
        }
        this.params = init.params();
    }

    /** The deep linear network: identity activation, no biases. */
    public static Mlp deepLinear(Backend backend, DType dtype, int[] widths, long seed) {
        return new Mlp(backend, dtype, widths, Activation.LINEAR, false, seed);
    }

    public int[] widths() {
        return widths.clone();
    }

    public Activation activation() {
        return act;
    }

    public boolean hasBias() {
        return bias;
    }

    @Override
    public List<Param> params() {
        return params;
    }

    /** x [N, d_0] (same float dtype as the weights) to outputs [N, d_L]. */
    @Override
    public Tensor forward(List<Tensor> weights, Tensor x) {
        return layers(weights, x, null, null);
    }

    /** The hidden features h_l = φ(z_l), l = 1 … L−1, each [N, d_l] (empty for a single layer). */
    @Override
    public List<Tensor> features(List<Tensor> weights, Tensor x) {
        List<Tensor> h = new ArrayList<>();
        layers(weights, x, null, h);
        return h;
    }

    /** The pre-activations z_l = h_{l−1}(m W_l)ᵀ + m' b_l, l = 1 … L, each [N, d_l]; the last is the output. */
    public List<Tensor> preActivations(List<Tensor> weights, Tensor x) {
        List<Tensor> z = new ArrayList<>();
        layers(weights, x, z, null);
        return z;
    }

    /** The last layer: outputs = h_{L−1} (m W)ᵀ + m' b, weight [d_L, d_{L−1}] and bias [d_L] (null without biases). */
    @Override
    public Readout readout(List<Tensor> weights) {
        Init.check("Mlp", params, weights);
        int per = bias ? 2 : 1;
        int last = per * (widths.length - 2);
        return new Readout(Init.scaled(params.get(last), weights.get(last)),
                bias ? Init.scaled(params.get(last + 1), weights.get(last + 1)) : null);
    }

    /** The forward pass; collects pre-activations into {@code pre} and hidden features into {@code hidden} when given. */
    private Tensor layers(List<Tensor> weights, Tensor x, List<Tensor> pre, List<Tensor> hidden) {
        Init.check("Mlp", params, weights);
        if (x.rank() != 2 || x.dim(1) != widths[0]) {
            throw new IllegalArgumentException("Mlp input must have shape [N, " + widths[0] + "]; given "
                    + Arrays.toString(x.shape()));
        }
        int layers = widths.length - 1;
        int per = bias ? 2 : 1;
        Tensor h = x;
        for (int i = 0; i < layers; i++) {
            Tensor w = Init.scaled(params.get(per * i), weights.get(per * i));
            h = bias ? h.matmulAdd(w, Init.scaled(params.get(per * i + 1), weights.get(per * i + 1)), false, true)
                    : h.matmul(w, false, true);
            if (pre != null) {
                pre.add(h);
            }
            if (i + 1 < layers) {
                h = act.apply(h);
                if (hidden != null) {
                    hidden.add(h);
                }
            }
        }
        return h;
    }

    @Override
    public String toString() {
        return "Mlp" + Arrays.toString(widths) + " " + act + (bias ? " bias" : " no-bias");
    }
}
