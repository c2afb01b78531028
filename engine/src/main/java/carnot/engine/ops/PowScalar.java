package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Binary;
import carnot.kernels.Unary;

/**
 * {@code out = x^p} for a constant p (x &gt; 0 unless p is an integer). {@code f'(x) = p x^(p-1)}.
 * jvp: {@code t f'(x)}; vjp: {@code g f'(x)}.
 */
public record PowScalar(double p) implements Primitive {
    @Override
    public String name() {
        return "pow";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor x = in[0];
        if (p == 2) {
            return Kernels.unary(Unary.SQUARE, x);
        } else if (p == 0.5) {
            return Kernels.unary(Unary.SQRT, x);
        } else if (p == -1) {
            return Kernels.unary(Unary.RECIP, x);
        } else if (p == -0.5) {
            return Kernels.unary(Unary.RSQRT, x);
        }
        try (Tensor e = Tensor.scalar(x.backend(), x.dtype(), p)) {
            return Kernels.binary(Binary.POW, x, e);
        }
    }

    private Tensor derivative(Tensor x) {
        if (p == 1) {
            return null;
        }
        return p == 2 ? x.mul(2) : x.pow(p - 1).mul(p);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        if (p == 0) {
            return null;
        }
        Tensor d = derivative(in[0]);
        return d == null ? t[0] : t[0].mul(d);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        if (p == 0) {
            return new Tensor[1];
        }
        Tensor d = derivative(in[0]);
        return new Tensor[]{d == null ? g : g.mul(d)};
    }
}
