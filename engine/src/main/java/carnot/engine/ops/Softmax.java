package carnot.engine.ops;

import carnot.engine.Tensor;

/**
 * {@code y = softmax(x)} over the last axis. jvp: {@code y (t - sum_last(t y))}; vjp: {@code y (g - sum_last(g y))}.
 */
public record Softmax() implements Primitive {
    @Override
    public String name() {
        return "softmax";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Rows.softmax(in[0], false);
    }

    static Tensor apply(Tensor y, Tensor v) {
        return y.mul(v.sub(v.mul(y).sumKeep(-1)));
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return apply(out, t[0]);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{apply(out, g)};
    }
}
