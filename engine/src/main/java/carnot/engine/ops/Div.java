package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Binary;

/**
 * {@code out = a / b} elementwise with broadcasting. jvp: {@code (ta - tb out) / b};
 * vjp: {@code (sumTo(g / b, a), sumTo(-g out / b, b))}.
 */
public record Div() implements Primitive {
    @Override
    public String name() {
        return "div";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Kernels.binary(Binary.DIV, in[0], in[1]);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        int r = out.rank();
        Tensor x = t[0] == null ? null : Shapes.align(t[0], r);
        Tensor y = t[1] == null ? null : Shapes.align(t[1], r).mul(out);
        Tensor s = x == null ? y.neg() : y == null ? x : x.sub(y);
        return Shapes.fit(s.div(in[1]), Shapes.batch(t), out.shape());
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{need[0] ? g.div(in[1]).sumTo(in[0].shape()) : null,
                need[1] ? g.mul(out).div(in[1]).neg().sumTo(in[1].shape()) : null};
    }
}
