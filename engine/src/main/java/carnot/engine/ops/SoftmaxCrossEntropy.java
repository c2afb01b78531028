package carnot.engine.ops;

import carnot.engine.Tensor;

/**
 * Fused softmax cross-entropy per row: logits z [..., C], target distribution q [..., C] (one-hot for class
 * ids) give {@code out = -sum_c q_c log softmax(z)_c}, shape [...]. With {@code p = softmax(z)}:
 * jvp {@code sum_c (p - q)_c tz_c - sum_c log softmax(z)_c tq_c}; vjp
 * {@code (g (p - q), -g log softmax(z))}. The forward is one backend op ({@code Backend.softmaxCrossEntropy}: one
 * kernel per row on CUDA). Decomposed oracle: {@link #decomposed}.
 */
public record SoftmaxCrossEntropy() implements Primitive {
    @Override
    public String name() {
        return "softmaxCrossEntropy";
    }

    /** The same function from elementary ops: {@code -sum_last(q * logSoftmax(z))}. */
    public static Tensor decomposed(Tensor z, Tensor q) {
        return z.logSoftmax().mul(q).sum(-1).neg();
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor z = in[0];
        Tensor q = in[1];
        Shapes.sameDtype("softmaxCrossEntropy", z, q);
        if (!java.util.Arrays.equals(z.shape(), q.shape()) || z.rank() == 0) {
            throw new IllegalArgumentException("softmaxCrossEntropy: logits and targets must have one shape [..., C]; given "
                    + z + " and " + q);
        }
        int[] os = java.util.Arrays.copyOf(z.shape(), z.rank() - 1);
        Tensor out = Tensor.empty(z.backend(), z.dtype(), os);
        z.backend().softmaxCrossEntropy(z.buffer(), q.buffer(), out.buffer(), Math.toIntExact(out.size()), z.dim(-1));
        return out;
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        Tensor x = t[0] == null ? null : t[0].mul(in[0].softmax().sub(in[1])).sum(-1);
        Tensor y = t[1] == null ? null : t[1].mul(in[0].logSoftmax()).sum(-1).neg();
        return x == null ? y : y == null ? x : x.add(y);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        int[] keep = in[0].shape();
        keep[keep.length - 1] = 1;
        Tensor gk = g.reshape(keep);
        return new Tensor[]{need[0] ? gk.mul(in[0].softmax().sub(in[1])) : null,
                need[1] ? gk.mul(in[0].logSoftmax()).neg() : null};
    }
}
