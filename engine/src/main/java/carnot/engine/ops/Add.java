package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Binary;

/**
 * {@code out = a + b} with NumPy broadcasting. jvp: {@code ta + tb}; vjp: {@code (sumTo(g, a), sumTo(g, b))}.
 */
public record Add() implements Primitive {
    @Override
    public String name() {
        return "add";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Kernels.binary(Binary.ADD, in[0], in[1]);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        int r = out.rank();
        Tensor s = t[0] == null ? Shapes.align(t[1], r) : t[1] == null ? Shapes.align(t[0], r)
                : Shapes.align(t[0], r).add(Shapes.align(t[1], r));
        return Shapes.fit(s, Shapes.batch(t), out.shape());
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{need[0] ? g.sumTo(in[0].shape()) : null, need[1] ? g.sumTo(in[1].shape()) : null};
    }
}
