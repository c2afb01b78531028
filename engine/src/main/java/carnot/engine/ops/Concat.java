package carnot.engine.ops;

import carnot.engine.Tensor;

import java.util.Arrays;

/**
 * Concatenation of the inputs along {@code axis}. jvp: concat of the tangents (zeros where absent) along
 * {@code axis + 1}; vjp: the matching slices of g.
 */
public record Concat(int axis) implements Primitive {
    @Override
    public String name() {
        return "concat";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        int[] s = in[0].shape();
        int total = 0;
        for (Tensor x : in) {
            int[] xs = x.shape();
            Shapes.sameDtype("concat", in[0], x);
            boolean ok = xs.length == s.length;
            for (int d = 0; ok && d < s.length; d++) {
                ok = d == axis || xs[d] == s[d];
            }
            if (!ok) {
                throw new IllegalArgumentException("concat: shapes must agree except on axis " + axis + "; given "
                        + Arrays.toString(s) + " and " + Arrays.toString(xs));
            }
            total += xs[axis];
        }
        int[] os = s.clone();
        os[axis] = total;
        long outer = 1;
        for (int d = 0; d < axis; d++) {
            outer *= s[d];
        }
        long inner = 1;
        for (int d = axis + 1; d < s.length; d++) {
            inner *= s[d];
        }
        Tensor out = Tensor.empty(in[0].backend(), in[0].dtype(), os);
        long outRow = (long) total * inner;
        long at = 0;
        for (Tensor x : in) {
            long block = (long) x.dim(axis) * inner;
            if (block > 0) {
                for (long o = 0; o < outer; o++) {
                    x.backend().copy(x.buffer(), o * block, out.buffer(), o * outRow + at, block);
                }
            }
            at += block;
        }
        return out;
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        int k = Shapes.batch(t);
        Tensor[] parts = new Tensor[in.length];
        for (int i = 0; i < in.length; i++) {
            parts[i] = t[i] != null ? t[i] : Tensor.zeros(out.backend(), out.dtype(), Shapes.prepend(k, in[i].shape()));
        }
        return Tensor.concat(axis + 1, parts);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        Tensor[] r = new Tensor[in.length];
        int at = 0;
        for (int i = 0; i < in.length; i++) {
            int n = in[i].dim(axis);
            if (need[i]) {
                r[i] = g.slice(axis, at, at + n);
            }
            at += n;
        }
        return r;
    }
}
