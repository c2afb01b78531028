package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Binary;

/** Mask {@code out = op(a, b) ? 1 : 0} (GT, GE, EQ) with broadcasting; derivative zero everywhere it exists. */
public record Compare(Binary op) implements Primitive {
    public Compare {
        if (op != Binary.GT && op != Binary.GE && op != Binary.EQ) {
            throw new IllegalArgumentException("Compare: op must be GT, GE or EQ; given " + op);
        }
    }

    @Override
    public String name() {
        return op.name().toLowerCase();
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Kernels.binary(op, in[0], in[1]);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return null;
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[2];
    }
}
