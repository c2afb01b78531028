package carnot.engine.ops;

import carnot.engine.Tensor;

/**
 * An elementwise primitive {@code out = f(x)} of one input, given by its forward and one derivative rule
 * {@link #derivative} {@code f'(x)} in {@link Tensor} algebra; both modes follow from it:
 * jvp {@code t ⊙ f'(x)} (t: [k, shape], f'(x) broadcast over the k directions), vjp {@code g ⊙ f'(x)}.
 * Since f'(x) is itself built from differentiable ops, the second-order terms (tangent of the vjp,
 * {@code g ⊙ f''(x) ⊙ t}) follow too. {@link #times} is the one place both modes multiply by f'(x); a primitive
 * with a faster fused product overrides it, and {@code a ⊙ derivative(x, out)} stays its definition (the test
 * oracle).
 */
public interface Pointwise extends Primitive {

    /** {@code f'(x)} given x and out = f(x), shaped like x; null when f' is identically 1. */
    Tensor derivative(Tensor x, Tensor out);

    /** {@code a ⊙ f'(x)} for a (co)tangent a shaped like x or [k, x...]; null when that is identically zero. */
    default Tensor times(Tensor a, Tensor x, Tensor out) {
        Tensor d = derivative(x, out);
        return d == null ? a : a.mul(d);
    }

    /** {@code t[0] ⊙ f'(x)}. */
    @Override
    default Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return times(t[0], in[0], out);
    }

    /** {@code g ⊙ f'(x)}. */
    @Override
    default Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{times(g, in[0], out)};
    }
}
