package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Reduce;

import java.util.Arrays;

/**
 * {@code out = max of x over axes}, keeping them with extent 1. With the constant weights
 * {@code w = [x == out] / count(x == out)} (ties share equally): jvp {@code sum(t w, axes + 1)}, vjp {@code g w}.
 */
public record Max(int[] axes) implements Primitive {
    /** Equal when {@code axes} holds the same values (a record compares an array component by reference). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Max x && Arrays.equals(axes, x.axes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(axes);
    }

    @Override
    public String name() {
        return "max";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Reductions.reduce(Reduce.MAX, in[0], axes);
    }

    private Tensor weights(Tensor x, Tensor out) {
        Tensor mask = x.eq(out.detach());
        return mask.div(mask.sumKeep(axes));
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return Tensor.apply(new Sum(Shapes.shift(axes, 1)), t[0].mul(weights(in[0], out)));
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{g.mul(weights(in[0].detach(), out))};
    }
}
