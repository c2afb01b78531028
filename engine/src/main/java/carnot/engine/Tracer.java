package carnot.engine;

import carnot.engine.ops.Primitive;

/**
 * What {@link Tensor#apply} hands an apply to when an input (or an input's tangent) carries this tracer: the
 * code running a traced pass attaches it to the tensors it gives the pass ({@link Tensor#traced}), and the tracer
 * computes the apply with {@link Tensor#dispatch} (the same arithmetic), recording or reusing on the way and
 * choosing which outputs carry it on. A tensor without a tracer is dispatched directly; there is no other
 * recording state.
 */
interface Tracer {

    /** The result of {@code p} on {@code in}, computed through {@link Tensor#dispatch}. */
    Tensor apply(Primitive p, Tensor[] in);
}
