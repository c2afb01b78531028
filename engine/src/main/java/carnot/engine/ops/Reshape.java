package carnot.engine.ops;

import carnot.engine.Tensor;

import java.util.Arrays;

/** Same elements, new shape (a view, no copy). jvp: {@code reshape(t, [k, shape])}; vjp: {@code reshape(g, x.shape)}. */
public record Reshape(int[] shape) implements Primitive {
    /** Equal when {@code shape} holds the same values (a record compares an array component by reference). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Reshape x && Arrays.equals(shape, x.shape);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape);
    }

    @Override
    public String name() {
        return "reshape";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return in[0].view(shape);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return t[0].reshape(Shapes.prepend(t[0].dim(0), shape));
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{g.reshape(in[0].shape())};
    }
}
