package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Broadcast;

import java.util.Arrays;

/**
 * NumPy broadcast of x to {@code shape} (a strided copy with zero strides). jvp: the aligned tangent broadcast
 * to {@code [k, shape]}; vjp: {@code sumTo(g, x.shape)}.
 */
public record BroadcastTo(int[] shape) implements Primitive {
    /** Equal when {@code shape} holds the same values (a record compares an array component by reference). */
    @Override
    public boolean equals(Object o) {
        return o instanceof BroadcastTo x && Arrays.equals(shape, x.shape);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape);
    }

    @Override
    public String name() {
        return "broadcastTo";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor x = in[0];
        Broadcast bc = Broadcast.of(x.shape(), shape);
        if (!Arrays.equals(bc.shape(), shape)) {
            throw new IllegalArgumentException("broadcastTo: " + Arrays.toString(x.shape()) + " does not broadcast to "
                    + Arrays.toString(shape));
        }
        return Kernels.strided(x, shape, bc.stridesA(), 0);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return Shapes.align(t[0], shape.length).broadcastTo(Shapes.prepend(t[0].dim(0), shape));
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{g.sumTo(in[0].shape())};
    }
}
