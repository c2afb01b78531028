package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.DType;

import java.util.Arrays;

/**
 * Adjoint of {@link Gather}: {@code out = zeros[rows, C]; out[idx[s], :] += src[s, :]} for src [S..., C], idx
 * I32 of shape S (fixed summation order). Linear in src: jvp scatters the tangent (k directions at once, side
 * by side in the columns: each (row, column) still adds its sources in ascending order); vjp: {@code gather(g, idx)}.
 */
public record ScatterAdd(int rows) implements Primitive {
    @Override
    public String name() {
        return "scatterAdd";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor src = in[0];
        Tensor idx = in[1];
        Shapes.floating("scatterAdd", src);
        int[] ss = src.shape();
        if (idx.dtype() != DType.I32 || ss.length != idx.rank() + 1
                || !Arrays.equals(Arrays.copyOf(ss, idx.rank()), idx.shape())) {
            throw new IllegalArgumentException("scatterAdd: need src [S..., C] and I32 indices of shape S; given " + src
                    + " and " + idx);
        }
        int cols = ss[ss.length - 1];
        Tensor out = Tensor.zeros(src.backend(), src.dtype(), rows, cols);
        src.backend().scatterAddRows(src.buffer(), idx.buffer(), Math.toIntExact(idx.size()), cols, out.buffer(), rows);
        return out;
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        if (t[0] == null) {
            return null;
        }
        int k = t[0].dim(0);
        int cols = out.dim(1);
        Tensor idx = in[1];
        if (k == 1) {
            return t[0].reshape(withWidth(idx, cols)).scatterAdd(idx, rows).reshape(1, rows, cols);
        }
        int r = idx.rank();
        Tensor wide = t[0].permute(Gather.move(r + 2, 0, r)).reshape(withWidth(idx, k * cols));
        return wide.scatterAdd(idx, rows).reshape(rows, k, cols).permute(1, 0, 2);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        return new Tensor[]{need[0] ? g.gather(in[1]) : null, null};
    }

    /** The shape {@code [S..., width]} of rows indexed by idx (shape S). */
    private static int[] withWidth(Tensor idx, int width) {
        int[] s = Arrays.copyOf(idx.shape(), idx.rank() + 1);
        s[idx.rank()] = width;
        return s;
    }
}
