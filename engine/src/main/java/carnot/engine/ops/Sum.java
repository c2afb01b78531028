package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Reduce;

import java.util.Arrays;

/**
 * {@code out = sum of x over axes}, keeping them with extent 1. jvp: {@code sum(t, axes + 1)} (tangent batch
 * axis first); vjp: {@code broadcastTo(g, x.shape)}.
 */
public record Sum(int[] axes) implements Primitive {
    /** Equal when {@code axes} holds the same values (a record compares an array component by reference). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Sum x && Arrays.equals(axes, x.axes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(axes);
    }

    @Override
    public String name() {
        return "sum";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Reductions.reduce(Reduce.SUM, in[0], axes);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return Tensor.apply(new Sum(Shapes.shift(axes, 1)), t[0]);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{g.broadcastTo(in[0].shape())};
    }
}
