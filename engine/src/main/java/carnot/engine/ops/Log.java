package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Unary;

/** {@code out = log(x)} elementwise (x &gt; 0). jvp: {@code t / x}; vjp: {@code g / x}. */
public record Log() implements Primitive {
    @Override
    public String name() {
        return "log";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Kernels.unary(Unary.LOG, in[0]);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return t[0].div(in[0]);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{g.div(in[0])};
    }
}
