package carnot.engine.ops;

import carnot.engine.Tensor;

/**
 * {@code out = mask != 0 ? a : b}, all three of one shape (the mask is a float tensor, not differentiated).
 * jvp: {@code where(mask, ta, tb)}; vjp: {@code (-, where(mask, g, 0), where(mask, 0, g))}.
 */
public record Where() implements Primitive {
    @Override
    public String name() {
        return "where";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor m = in[0];
        Tensor a = in[1];
        Tensor b = in[2];
        Shapes.sameDtype("where", m, a);
        Shapes.sameDtype("where", a, b);
        if (!java.util.Arrays.equals(m.shape(), a.shape()) || !java.util.Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("where: mask, a, b must have one shape; given " + m + ", " + a + ", " + b);
        }
        Tensor out = Tensor.empty(a.backend(), a.dtype(), a.shape());
        a.backend().where(m.buffer(), a.buffer(), b.buffer(), out.buffer(), a.size());
        return out;
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        if (t[1] == null && t[2] == null) {
            return null;
        }
        Tensor zero = Tensor.scalar(out.backend(), out.dtype(), 0);
        return Tensor.where(in[0], t[1] == null ? zero : t[1], t[2] == null ? zero : t[2]);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        Tensor zero = Tensor.scalar(out.backend(), out.dtype(), 0);
        return new Tensor[]{null, need[1] ? Tensor.where(in[0], g, zero) : null, need[2] ? Tensor.where(in[0], zero, g) : null};
    }
}
