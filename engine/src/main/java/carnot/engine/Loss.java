package carnot.engine;

import carnot.engine.ops.SoftmaxCrossEntropy;
import carnot.kernels.DType;

import java.util.Arrays;

/**
 * Training losses as SUMS over the given samples divided by a caller-chosen normaliser, so that a full-batch loss
 * accumulated over chunks with the full data set's normaliser equals the one-batch loss to rounding:
 * <ul>
 *   <li>{@code MSE}: {@code (1/norm) sum_i 1/2 ||f(x_i) - y_i||^2}; out and y of one float shape [N, ...];
 *       normaliser N (samples).</li>
 *   <li>{@code CE}: {@code -(1/norm) sum_t log softmax(out_t)[y_t]}; out [..., C] logits, y I32 class ids of
 *       shape out.shape minus the last axis ([N] or [N, T]); normaliser = number of targets (samples or tokens).
 *       Computed by the fused {@link SoftmaxCrossEntropy} primitive (its decomposed form is the test oracle).</li>
 * </ul>
 */
public enum Loss {
    MSE {
        @Override
        public Tensor apply(Tensor out, Tensor y, double normaliser) {
            if (!Arrays.equals(out.shape(), y.shape())) {
                throw new IllegalArgumentException("MSE: output and target shapes must be equal; given "
                        + Arrays.toString(out.shape()) + " and " + Arrays.toString(y.shape()));
            }
            return out.sub(y).square().sum().mul(0.5 / normaliser);
        }

        @Override
        public long count(Tensor y) {
            return y.dim(0);
        }
    },
    CE {
        @Override
        public Tensor apply(Tensor out, Tensor y, double normaliser) {
            return Tensor.apply(new SoftmaxCrossEntropy(), out, oneHot(y, out)).sum().mul(1 / normaliser);
        }

        @Override
        public long count(Tensor y) {
            return y.size();
        }
    };

    /** Sum of the per-sample losses divided by {@code normaliser}: a scalar tensor. */
    public abstract Tensor apply(Tensor out, Tensor y, double normaliser);

    /** The normaliser these targets contribute: samples (MSE) or targets/tokens (CE). */
    public abstract long count(Tensor y);

    /** The loss of one batch with its own normaliser (the mean). */
    public Tensor apply(Tensor out, Tensor y) {
        return apply(out, y, count(y));
    }

    /**
     * The normaliser of a whole data set: N samples for MSE, N times the targets per sample for CE, with
     * N = {@link DataSet#totalSize()} (the whole set's size also for a shard of it).
     */
    public long count(DataSet data) {
        if (data.size() == 0) {
            return 0;
        }
        return this == MSE ? data.totalSize() : (long) data.totalSize() * data.y(0, 1).size();
    }

    /** CE from elementary ops (log-softmax, product, sum): the oracle the fused loss is tested against. */
    public static Tensor crossEntropyDecomposed(Tensor out, Tensor y, double normaliser) {
        return SoftmaxCrossEntropy.decomposed(out, oneHot(y, out)).sum().mul(1 / normaliser);
    }

    /**
     * One-hot float targets [..., C] from I32 class ids shaped like {@code logits} minus the last axis, built on the
     * backend without reading the ids back: the ids gather their class number from the column [0, 1, ..., C-1]
     * (uploaded), compared for equality with the row [0, 1, ..., C-1]. An id outside [0, C) is reported by the
     * gather (at once on host backends, at the next synchronisation point on a device backend).
     */
    static Tensor oneHot(Tensor y, Tensor logits) {
        int[] ls = logits.shape();
        if (y.dtype() != DType.I32 || !Arrays.equals(Arrays.copyOf(ls, ls.length - 1), y.shape())) {
            throw new IllegalArgumentException("CE: targets must be I32 class ids of shape "
                    + Arrays.toString(Arrays.copyOf(ls, ls.length - 1)) + "; given " + y.dtype() + Arrays.toString(y.shape()));
        }
        int c = ls[ls.length - 1];
        double[] classes = new double[c];
        for (int j = 0; j < c; j++) {
            classes[j] = j;
        }
        Tensor column = Tensor.of(logits.backend(), logits.dtype(), classes, c, 1);
        return column.gather(y).eq(column.reshape(c));
    }
}
