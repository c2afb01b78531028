package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.DType;

import java.util.Arrays;

/**
 * Embedding lookup {@code out[s, :] = table[idx[s], :]}: table [R, C] float, idx I32 of shape S, out [S..., C].
 * Linear in the table: jvp gathers the tangent table (k tables at once by offset indices);
 * vjp: {@code scatterAdd(g, idx, R)}. The indices are not differentiated.
 */
public record Gather() implements Primitive {
    @Override
    public String name() {
        return "gather";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor table = in[0];
        Tensor idx = in[1];
        Shapes.floating("gather", table);
        if (table.rank() != 2 || idx.dtype() != DType.I32) {
            throw new IllegalArgumentException("gather: need a table [R, C] and I32 indices; given " + table + " and " + idx);
        }
        int[] os = Arrays.copyOf(idx.shape(), idx.rank() + 1);
        os[idx.rank()] = table.dim(1);
        Tensor out = Tensor.empty(table.backend(), table.dtype(), os);
        table.backend().gatherRows(table.buffer(), table.dim(0), table.dim(1), idx.buffer(), Math.toIntExact(idx.size()), out.buffer());
        return out;
    }

    /** Indices {@code idx + j * rows} for j &lt; k, shape [k, S...]: addresses row blocks of a [k * rows, C] table. */
    static Tensor offsetIndices(Tensor idx, int k, int rows) {
        if (k == 1) {
            return idx.reshape(Shapes.prepend(1, idx.shape()));
        }
        int[] base = idx.toInts();
        int[] all = new int[base.length * k];
        for (int j = 0; j < k; j++) {
            for (int i = 0; i < base.length; i++) {
                all[j * base.length + i] = base[i] + j * rows;
            }
        }
        return Tensor.indices(idx.backend(), all, Shapes.prepend(k, idx.shape()));
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        if (t[0] == null) {
            return null;
        }
        int k = t[0].dim(0);
        int rows = in[0].dim(0);
        return t[0].reshape(k * rows, in[0].dim(1)).gather(offsetIndices(in[1], k, rows));
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{need[0] ? g.scatterAdd(in[1], in[0].dim(0)) : null, null};
    }
}
