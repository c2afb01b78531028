package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Broadcast;

import java.util.ArrayList;

/**
 * {@code out = x[..., from:to, ...]} along {@code axis} (a strided copy). jvp: slice the tangent along
 * {@code axis + 1}; vjp: g padded with zeros back to x's extent (a concat).
 */
public record Slice(int axis, int from, int to) implements Primitive {
    @Override
    public String name() {
        return "slice";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor x = in[0];
        int[] s = x.shape();
        if (from < 0 || to > s[axis] || from > to) {
            throw new IllegalArgumentException("slice: need 0 <= from <= to <= " + s[axis] + " on axis " + axis + "; given ["
                    + from + ", " + to + ")");
        }
        long[] dense = Broadcast.denseStrides(s);
        int[] os = s.clone();
        os[axis] = to - from;
        return Kernels.strided(x, os, dense, from * dense[axis]);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        return t[0].slice(axis + 1, from, to);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        int[] s = in[0].shape();
        var parts = new ArrayList<Tensor>();
        if (from > 0) {
            int[] z = s.clone();
            z[axis] = from;
            parts.add(Tensor.zeros(g.backend(), g.dtype(), z));
        }
        parts.add(g);
        if (to < s[axis]) {
            int[] z = s.clone();
            z[axis] = s[axis] - to;
            parts.add(Tensor.zeros(g.backend(), g.dtype(), z));
        }
        return new Tensor[]{parts.size() == 1 ? g : Tensor.concat(axis, parts.toArray(Tensor[]::new))};
    }
}
