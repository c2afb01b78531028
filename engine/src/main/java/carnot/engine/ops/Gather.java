package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.DType;

import java.util.Arrays;

/**
 * Embedding lookup {@code out[s, :] = table[idx[s], :]}: table [R, C] float, idx I32 of shape S, out [S..., C].
 * Linear in the table: jvp gathers the tangent table (k tables at once, side by side in the columns);
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

    /**
     * Axis permutation moving axis {@code from} of a rank-{@code rank} tensor to position {@code to}, the others
     * keeping their order.
     */
    static int[] move(int rank, int from, int to) {
        int[] perm = new int[rank];
        int src = 0;
        for (int i = 0; i < rank; i++) {
            if (i == to) {
                perm[i] = from;
            } else {
                if (src == from) {
                    src++;
                }
                perm[i] = src++;
            }
        }
        return perm;
    }

    /**
     * {@code t[j] gathered by idx} for each of the k directions: the k tangent tables side by side in the columns
     * ({@code [R, k C]}, one permute), one gather, and the directions moved back to the front (one permute). Nothing
     * is read back from the backend (offset indices {@code idx + j R} would have to be built on the host).
     */
    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        if (t[0] == null) {
            return null;
        }
        int k = t[0].dim(0);
        int rows = in[0].dim(0);
        int cols = in[0].dim(1);
        Tensor idx = in[1];
        if (k == 1) {
            return t[0].reshape(rows, cols).gather(idx).reshape(Shapes.prepend(1, out.shape()));
        }
        int r = idx.rank();
        int[] split = Arrays.copyOf(idx.shape(), r + 2);
        split[r] = k;
        split[r + 1] = cols;
        Tensor wide = t[0].permute(1, 0, 2).reshape(rows, k * cols);
        return wide.gather(idx).reshape(split).permute(move(r + 2, r, 0));
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{need[0] ? g.scatterAdd(in[1], in[0].dim(0)) : null, null};
    }
}
