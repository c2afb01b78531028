package carnot.science.observe;

import java.util.List;

/**
 * Conservation laws of gradient flow on layered networks.
 *
 * <p>Deep linear networks (and, per neuron, two-homogeneous ones): {@code D_l = W_{l+1}ᵀ W_{l+1} − W_l W_lᵀ}
 * (in_{l+1} x in_{l+1}, with W_l of shape [out_l, in_l]) is constant under gradient flow. The residual of layer
 * pair l is {@code ‖D_l(t) − D_l(0)‖_F}; under gradient descent it grows like O(η²) per step. For ReLU-type
 * (positively homogeneous) networks only the diagonal is conserved: per hidden neuron j,
 * {@code ‖W_{l+1}[:, j]‖² − ‖W_l[j, :]‖²}.
 */
public final class Conservation {
    private Conservation() {
    }

    /** {@code D_l = W_{l+1}ᵀ W_{l+1} − W_l W_lᵀ} for each consecutive pair (size L−1). */
    public static Matrix[] imbalance(List<Matrix> weights) {
        Matrix[] d = new Matrix[weights.size() - 1];
        for (int l = 0; l + 1 < weights.size(); l++) {
            Matrix a = weights.get(l);
            Matrix b = weights.get(l + 1);
            if (b.cols() != a.rows()) {
                throw new IllegalArgumentException("layer " + (l + 1) + " input size must equal layer " + l
                        + " output size; given " + b.shape() + " after " + a.shape());
            }
            d[l] = b.transpose().times(b).minus(a.times(a.transpose()));
        }
        return d;
    }

    /** Residuals {@code ‖D_l(t) − D_l(0)‖_F} per consecutive layer pair. */
    public static double[] residuals(List<Matrix> weights, List<Matrix> initial) {
        Matrix[] now = imbalance(weights);
        Matrix[] then = imbalance(initial);
        double[] r = new double[now.length];
        for (int l = 0; l < r.length; l++) {
            r[l] = now[l].minus(then[l]).norm();
        }
        return r;
    }

    /** Per-neuron imbalance {@code ‖W_{l+1}[:, j]‖² − ‖W_l[j, :]‖²} between layer l and l+1 (length out_l). */
    public static double[] neuronImbalance(Matrix wl, Matrix wNext) {
        if (wNext.cols() != wl.rows()) {
            throw new IllegalArgumentException("next layer input size must equal this layer's output size; given "
                    + wNext.shape() + " after " + wl.shape());
        }
        double[] r = new double[wl.rows()];
        for (int j = 0; j < wl.rows(); j++) {
            double out = 0;
            for (int i = 0; i < wNext.rows(); i++) {
                out += wNext.get(i, j) * wNext.get(i, j);
            }
            double in = 0;
            for (int k = 0; k < wl.cols(); k++) {
                in += wl.get(j, k) * wl.get(j, k);
            }
            r[j] = out - in;
        }
        return r;
    }
}
