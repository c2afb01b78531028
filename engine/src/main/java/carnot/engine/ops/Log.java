package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Unary;

/** {@code out = log(x)} elementwise (x &gt; 0); {@code f'(x) = 1 / x}, applied as a division {@code a / x}. */
public record Log() implements Pointwise {
    @Override
    public String name() {
        return "log";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Kernels.unary(Unary.LOG, in[0]);
    }

    /** {@code x^-1}. */
    @Override
    public Tensor derivative(Tensor x, Tensor out) {
        return x.pow(-1);
    }

    /** {@code a / x}: one division instead of a reciprocal and a product. */
    @Override
    public Tensor times(Tensor a, Tensor x, Tensor out) {
        return a.div(x);
    }
}
