package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.DType;

/** A symmetric-or-not linear map on flat parameter vectors of length {@link #dim()} (Hessian, Gauss-Newton, ...). */
public interface LinearOperator {

    /** P, the length of the vectors it acts on. */
    int dim();

    DType dtype();

    Backend backend();

    /**
     * Bytes of working memory one more direction adds to a batched product ({@link #applyBatch}), an estimate for
     * callers that size batches from a memory budget; 0 when the operator cannot tell (the default).
     */
    default long bytesPerDirection() {
        return 0;
    }

    /** {@code A v} for v of shape [P]; result [P]. */
    Tensor apply(Tensor v);

    /** {@code A} applied to each row of V [k, P]; result [k, P]. The default calls {@link #apply} k times. */
    default Tensor applyBatch(Tensor vs) {
        if (vs.rank() != 2 || vs.dim(1) != dim()) {
            throw new IllegalArgumentException("applyBatch: V must be [k, " + dim() + "]; given " + java.util.Arrays.toString(vs.shape()));
        }
        Tensor[] rows = new Tensor[vs.dim(0)];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = apply(vs.slice(0, i, i + 1).reshape(dim())).reshape(1, dim());
        }
        return Tensor.concat(0, rows);
    }
}
