package carnot.examples.experiments;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.models.data.Examples;

/** Host {@link Examples} as an engine {@link DataSet} on a backend (float x; float or integer-id y). */
public final class Data {
    private Data() {
    }

    /** The examples on {@code be}: x in {@code dtype}; integer y as I32 ids, float y in {@code dtype}. */
    public static DataSet of(Examples e, Backend be, DType dtype) {
        Tensor x = Tensor.of(be, dtype, e.x().toDoubles(), e.x().shape());
        Tensor y = e.integerTargets()
                ? Tensor.indices(be, e.y().toInts(), e.y().shape())
                : Tensor.of(be, dtype, e.y().toDoubles(), e.y().shape());
        return new ArrayDataSet(x, y);
    }
}
