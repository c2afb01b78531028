package carnot.science.spectral;

import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;

/**
 * A symmetric operator as the eigensolvers see it: {@code k} consecutive input rows of length {@link #dim()} in,
 * {@code k} output rows out, on buffers of {@link #backend()} in {@link #dtype()}. Every row applied counts as one
 * operator product (one HVP for a Hessian).
 */
interface VecOp {
    int dim();

    DType dtype();

    Backend backend();

    /** {@code y[r] = A x[r]} for rows r &lt; k; x rows start at element xOff, y rows at yOff; no overlap. */
    void apply(Buffer x, long xOff, Buffer y, long yOff, int k);
}
