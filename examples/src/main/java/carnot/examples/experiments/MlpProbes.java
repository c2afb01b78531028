package carnot.examples.experiments;

import carnot.engine.Autodiff;
import carnot.engine.DataSet;
import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.engine.observe.Agop;
import carnot.engine.observe.Matrix;
import carnot.kernels.DType;
import carnot.models.Mlp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Internal quantities of an {@link Mlp} at its current weights: pre-activations and hidden features of every layer
 * (computed by running the model's own forward on its first l layers), class labels of a data set, and the AGOP of
 * any model with respect to its inputs.
 */
public final class MlpProbes {
    private MlpProbes() {
    }

    /**
     * Pre-activations {@code z_l = h_{l−1}(m W_l)ᵀ + m' b_l} of layers l = 1..L (the last is the output), each
     * flattened row-major [N, d_l], at the model's current weights and multipliers.
     */
    public static List<double[]> preActivations(Mlp model, Tensor x) {
        List<double[]> out = new ArrayList<>();
        int layers = model.widths().length - 1;
        for (int l = 1; l <= layers; l++) {
            try (Scope _ = Scope.open()) {
                out.add(prefix(model, l).forward(prefixWeights(model, l), x).toDoubles());
            }
        }
        return out;
    }

    /** The last hidden layer's features {@code φ(z_{L−1})} as an N x d_{L−1} matrix (needs L ≥ 2). */
    public static Matrix lastHidden(Mlp model, Tensor x) {
        int layers = model.widths().length - 1;
        if (layers < 2) {
            throw new IllegalArgumentException("hidden features need an MLP with a hidden layer; given widths "
                    + Arrays.toString(model.widths()));
        }
        try (Scope _ = Scope.open()) {
            Tensor z = prefix(model, layers - 1).forward(prefixWeights(model, layers - 1), x);
            Tensor h = model.activation().apply(z);
            return new Matrix(h.dim(0), h.dim(1), h.toDoubles());
        }
    }

    /** The readout as the effective matrix {@code m·W_L} (C x d_{L−1}) and bias {@code m'·b_L} (null without bias). */
    public static Matrix readout(Mlp model) {
        List<Param> ps = model.params();
        Param w = ps.get(model.hasBias() ? ps.size() - 2 : ps.size() - 1);
        double[] d = w.value().toDoubles();
        for (int i = 0; i < d.length; i++) {
            d[i] *= w.multiplier();
        }
        return new Matrix(w.shape()[0], w.shape()[1], d);
    }

    /** The readout bias times its multiplier, or null. */
    public static double[] readoutBias(Mlp model) {
        if (!model.hasBias()) {
            return null;
        }
        Param b = model.params().getLast();
        double[] d = b.value().toDoubles();
        for (int i = 0; i < d.length; i++) {
            d[i] *= b.multiplier();
        }
        return d;
    }

    /** Class ids of a data set: integer targets as they are, float targets [N, C] by argmax (one-hot). */
    public static int[] labels(DataSet data) {
        try (Scope _ = Scope.open()) {
            Tensor y = data.y(0, data.size());
            if (y.dtype() == DType.I32) {
                return y.toInts();
            }
            int c = y.dim(y.rank() - 1);
            double[] v = y.toDoubles();
            int[] ids = new int[v.length / c];
            for (int i = 0; i < ids.length; i++) {
                int best = 0;
                for (int j = 1; j < c; j++) {
                    if (v[i * c + j] > v[i * c + best]) {
                        best = j;
                    }
                }
                ids[i] = best;
            }
            return ids;
        }
    }

    /**
     * AGOP {@code (1/N) Σ_i J_iᵀJ_i} of a model with inputs x [N, d] and outputs [N, C]: one reverse pass per output
     * column with respect to the inputs (samples are independent, so row i of the input gradient is ∂f_k(x_i)/∂x_i).
     */
    public static Matrix agop(Model model, Tensor x) {
        try (Scope _ = Scope.open()) {
            Tensor xv = x.variable();
            Tensor out = model.forward(xv);
            int n = out.dim(0);
            int c = out.dim(1);
            Matrix[] grads = new Matrix[c];
            for (int k = 0; k < c; k++) {
                double[] seed = new double[n * c];
                for (int i = 0; i < n; i++) {
                    seed[i * c + k] = 1;
                }
                Tensor g = Autodiff.backward(out, Tensor.of(out.backend(), out.dtype(), seed, n, c), List.of(xv), false)
                        .getFirst();
                grads[k] = new Matrix(n, x.dim(1), g.toDoubles());
            }
            return Agop.fromInputGradients(grads);
        }
    }

    /** The first-layer weight as an effective matrix {@code m·W_1} (d_1 x d_0). */
    public static Matrix firstLayer(Mlp model) {
        Param w = model.params().getFirst();
        double[] d = w.value().toDoubles();
        for (int i = 0; i < d.length; i++) {
            d[i] *= w.multiplier();
        }
        return new Matrix(w.shape()[0], w.shape()[1], d);
    }

    private static Mlp prefix(Mlp model, int layers) {
        Param first = model.params().getFirst();
        Mlp p = new Mlp(first.value().backend(), first.value().dtype(), Arrays.copyOf(model.widths(), layers + 1),
                model.activation(), model.hasBias(), 0);
        for (int i = 0; i < p.params().size(); i++) {
            p.params().get(i).setMultiplier(model.params().get(i).multiplier());
        }
        return p;
    }

    private static List<Tensor> prefixWeights(Mlp model, int layers) {
        int per = model.hasBias() ? 2 : 1;
        List<Tensor> w = new ArrayList<>();
        for (int i = 0; i < per * layers; i++) {
            w.add(model.params().get(i).value());
        }
        return w;
    }
}
