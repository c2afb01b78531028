package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.DType;

import java.util.ArrayList;
import java.util.List;

/** Test-only MLP: {@code h_{l+1} = act(h_l (m W_l) + m b_l)}, no activation on the last layer. */
final class TinyMlp implements Model {
    private final List<Param> params = new ArrayList<>();
    private final boolean tanh;

    TinyMlp(Backend be, DType dt, long seed, boolean tanh, int... widths) {
        this.tanh = tanh;
        long off = 0;
        for (int l = 0; l + 1 < widths.length; l++) {
            int in = widths[l];
            int out = widths[l + 1];
            Role role = l == 0 ? Role.INPUT : l + 2 == widths.length ? Role.READOUT : Role.HIDDEN;
            params.add(new Param("W" + l, role, in, out, Tensor.randn(be, dt, seed, off, 1 / Math.sqrt(in), in, out)));
            off += (long) in * out;
            params.add(new Param("b" + l, Role.BIAS, 1, out, Tensor.randn(be, dt, seed, off, 0.1, out)));
            off += out;
        }
    }

    @Override
    public List<Param> params() {
        return params;
    }

    @Override
    public Tensor forward(List<Tensor> w, Tensor x) {
        Tensor h = x;
        int layers = params.size() / 2;
        for (int l = 0; l < layers; l++) {
            Tensor wl = scaled(w.get(2 * l), params.get(2 * l));
            Tensor bl = scaled(w.get(2 * l + 1), params.get(2 * l + 1));
            h = h.matmul(wl).add(bl);
            if (l + 1 < layers) {
                h = tanh ? h.tanh() : h.gelu();
            }
        }
        return h;
    }

    private static Tensor scaled(Tensor w, Param p) {
        return p.multiplier() == 1 ? w : w.mul(p.multiplier());
    }
}
