package carnot.engine.ops;

import carnot.engine.Tensor;

/**
 * {@code y = x - logsumexp_last(x)}. With {@code p = exp(y)}: jvp {@code t - sum_last(t p)};
 * vjp {@code g - p sum_last(g)}.
 */
public record LogSoftmax() implements Primitive {
    @Override
    public String name() {
        return "logSoftmax";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Rows.softmax(in[0], true);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return t[0].sub(t[0].mul(out.exp()).sumKeep(-1));
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{g.sub(out.exp().mul(g.sumKeep(-1)))};
    }
}
