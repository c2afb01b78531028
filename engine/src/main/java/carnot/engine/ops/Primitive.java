package carnot.engine.ops;

import carnot.engine.Tensor;

/**
 * One differentiable primitive. {@link #forward} is the only place that calls a Backend kernel; {@link #jvp} and
 * {@link #vjp} are written in {@link Tensor} algebra, so they are themselves differentiable (any order) and carry
 * tangents (forward-over-reverse).
 *
 * <p>Tangents are always batched: the tangent of a tensor of shape {@code s} has shape {@code [k, s...]} (k
 * directions at once; k = 1 for a single direction). A {@code null} tangent or cotangent is a symbolic zero.
 */
public interface Primitive {

    /** Short name used in messages. */
    String name();

    /** Computes the output from plain inputs (no tangents, no graph). */
    Tensor forward(Tensor[] in);

    /**
     * Tangent of the output, shape {@code [k, out.shape...]}, given input tangents {@code t[i]} of shape
     * {@code [k, in[i].shape...]} or null (zero). Returns null when the output tangent is zero.
     */
    Tensor jvp(Tensor[] in, Tensor out, Tensor[] t);

    /**
     * Cotangents of the inputs (each shaped like its input) given the output cotangent {@code g}; entry i is
     * computed only when {@code need[i]} (else null). Null also means zero.
     */
    Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need);

    /**
     * Tensors besides the inputs and the output that {@link #jvp} and {@link #vjp} read (statistics its forward
     * kept, such as attention's log-sum-exp, or primal values it was built with). Whoever keeps a primitive's inputs
     * and output to run its rules later (a linearized replay after the pass's scope has closed) keeps these too.
     * None by default.
     */
    default Tensor[] held() {
        return new Tensor[0];
    }
}
