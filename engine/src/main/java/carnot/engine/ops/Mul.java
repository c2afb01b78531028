package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Binary;

/**
 * {@code out = a * b} elementwise with broadcasting. jvp: {@code ta b + a tb};
 * vjp: {@code (sumTo(g b, a), sumTo(g a, b))}.
 */
public record Mul() implements Primitive {
    @Override
    public String name() {
        return "mul";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Kernels.binary(Binary.MUL, in[0], in[1]);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        int r = out.rank();
        Tensor x = t[0] == null ? null : Shapes.align(t[0], r).mul(in[1]);
        Tensor y = t[1] == null ? null : in[0].mul(Shapes.align(t[1], r));
        Tensor s = x == null ? y : y == null ? x : x.add(y);
        return Shapes.fit(s, Shapes.batch(t), out.shape());
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{need[0] ? g.mul(in[1]).sumTo(in[0].shape()) : null,
                need[1] ? g.mul(in[0]).sumTo(in[1].shape()) : null};
    }
}
