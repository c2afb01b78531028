package carnot.engine;

import java.util.Arrays;

/** In-memory data set: x [N, ...] and y [N, ...] tensors; chunks are copies of row ranges. */
public record ArrayDataSet(Tensor inputs, Tensor targets) implements DataSet {
    public ArrayDataSet {
        if (inputs.rank() == 0 || targets.rank() == 0 || inputs.dim(0) != targets.dim(0)) {
            throw new IllegalArgumentException("ArrayDataSet: x and y need the same leading extent N; given x "
                    + Arrays.toString(inputs.shape()) + " and y " + Arrays.toString(targets.shape()));
        }
    }

    @Override
    public int size() {
        return inputs.dim(0);
    }

    @Override
    public Tensor x(int from, int to) {
        return rows(inputs, from, to);
    }

    @Override
    public Tensor y(int from, int to) {
        return rows(targets, from, to);
    }

    private Tensor rows(Tensor t, int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IllegalArgumentException("ArrayDataSet: need 0 <= from <= to <= " + size() + "; given [" + from + ", " + to + ")");
        }
        if (from == 0 && to == size()) {
            return t.detach();
        }
        int[] s = t.shape();
        long row = t.size() / s[0];
        s[0] = to - from;
        Tensor out = Tensor.zeros(t.backend(), t.dtype(), s);
        if (out.size() > 0) {
            t.backend().copy(t.buffer(), from * row, out.buffer(), 0, out.size());
        }
        return out;
    }
}
