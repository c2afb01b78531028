package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Unary;

/**
 * GELU, tanh form: {@code out = 0.5 x (1 + tanh(u))}, {@code u = c (x + a x^3)}, {@code c = sqrt(2/pi)},
 * {@code a = 0.044715}. Derivative {@code f'(x) = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) c (1 + 3 a x^2)},
 * written in Tensor algebra (the definition); both modes multiply by it in one fused pass ({@link #times}).
 */
public record Gelu() implements Pointwise {
    static final double C = Math.sqrt(2 / Math.PI);
    static final double A = 0.044715;

    @Override
    public String name() {
        return "gelu";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return Kernels.unary(Unary.GELU, in[0]);
    }

    /** {@code f'(x)} from x (out is not used). */
    @Override
    public Tensor derivative(Tensor x, Tensor out) {
        Tensor x2 = x.mul(x);
        Tensor u = x2.mul(A).add(1).mul(x).mul(C);
        Tensor th = u.tanh();
        Tensor left = th.add(1).mul(0.5);
        Tensor right = x.mul(u.dtanh()).mul(x2.mul(3 * A).add(1)).mul(0.5 * C);
        return left.add(right);
    }

    /**
     * {@code f''(x) = s (u' + 3ac x^2 - x t u'^2)} in tensor algebra, with {@code u = c (x + a x^3)},
     * {@code u' = c (1 + 3a x^2)}, {@code t = tanh u}, {@code s = 1 - t^2} (the partials of {@link GeluGrad} and
     * {@link GeluGradTangent}; differentiable to any order).
     */
    static Tensor second(Tensor x) {
        Tensor x2 = x.mul(x);
        Tensor u = x2.mul(A).add(1).mul(x).mul(C);
        Tensor du = x2.mul(3 * A).add(1).mul(C);
        Tensor h = du.add(x2.mul(3 * A * C)).sub(x.mul(u.tanh()).mul(du.square()));
        return u.dtanh().mul(h);
    }

    /**
     * {@code f'''(x) = s (h' - 2 t u' h)} with s, t, u', h as in {@link #second} and
     * {@code h' = 12ac x - t u'^2 - x s u'^3 - 12ac x^2 t u'} (tensor algebra).
     */
    static Tensor third(Tensor x) {
        Tensor x2 = x.mul(x);
        Tensor u = x2.mul(A).add(1).mul(x).mul(C);
        Tensor du = x2.mul(3 * A).add(1).mul(C);
        Tensor t = u.tanh();
        Tensor s = u.dtanh();
        Tensor du2 = du.square();
        Tensor h = du.add(x2.mul(3 * A * C)).sub(x.mul(t).mul(du2));
        Tensor dh = x.mul(12 * A * C).sub(t.mul(du2)).sub(x.mul(s).mul(du2).mul(du))
                .sub(x2.mul(t).mul(du).mul(12 * A * C));
        return s.mul(dh.sub(t.mul(du).mul(h).mul(2)));
    }

    /**
     * {@code a ⊙ f'(x)}. When x is a plain value (no tangent, no graph: the first-order passes) and the backend
     * has the one-pass {@code Backend#geluDerivative}, f'(x) comes from it (bitwise equal to {@link #derivative}'s
     * fourteen kernel calls on that backend); otherwise one fused {@link GeluGrad} pass, whose jvp (the HVP's
     * backward through every GELU) is the fused {@link GeluGradTangent}.
     */
    @Override
    public Tensor times(Tensor a, Tensor x, Tensor out) {
        if (x.tangent() == null && !x.requiresGrad()) {
            Tensor d = Tensor.empty(x.backend(), x.dtype(), x.shape());
            if (x.backend().geluDerivative(x.buffer(), d.buffer(), x.size(), A, C)) {
                return a.mul(d);
            }
            d.close();
        }
        return Tensor.apply(new GeluGrad(), a, x);
    }
}
