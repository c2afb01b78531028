package carnot.engine;

import carnot.engine.ops.Shapes;

import java.util.ArrayList;
import java.util.List;

/**
 * The exact full-batch loss Hessian {@code H = d^2 L / dw^2} at the model's current parameter values, as a
 * matrix-free operator. Each product is forward-over-reverse: the directions ride as tangents on the weights
 * through the forward and the backward pass; k directions go at once as a [k, ...] tangent batch (GEMM-shaped).
 * Cost of one pass ≈ 3x a gradient pass for one direction. The operator surface (flat, batched, parameter-shaped)
 * and the batching of directions are {@link ParamOperator}'s; each pass is {@link FullBatch#run}.
 */
public final class Hessian extends ParamOperator {
    private final Loss loss;
    private final DataSet data;
    private final int chunk;
    private final FullBatch.Product product;

    Hessian(Model model, Loss loss, DataSet data, int chunk, FullBatch.Product product, int directionsPerPass) {
        super(model, directionsPerPass);
        FullBatch.checkChunk(data, chunk);
        this.loss = loss;
        this.data = data;
        this.chunk = chunk;
        this.product = product;
    }

    /** The Hessian of {@code loss} over all of {@code data}, chunks of {@code chunk} samples. */
    public static Hessian of(Model model, Loss loss, DataSet data, int chunk) {
        return new Hessian(model, loss, data, chunk, FullBatch.Product.HESSIAN, Integer.MAX_VALUE);
    }

    /** The Hessian over all of {@code data} in one chunk. */
    public static Hessian of(Model model, Loss loss, DataSet data) {
        return of(model, loss, data, data.size());
    }

    /**
     * The same operator carrying at most {@code k} directions per pass (a larger batch runs as consecutive passes
     * of k rows): bounds the tangent memory of a pass to k times a chunk's activations.
     */
    public Hessian inPassesOf(int k) {
        return new Hessian(model, loss, data, chunk, product, k);
    }

    @Override
    List<Tensor> products(List<Tensor> blocks) {
        return FullBatch.run(model, loss, data, chunk, blocks, product, false).tangent();
    }

    /**
     * This operator linearized at the current weights: one recording pass per chunk, then every product replays
     * only the tangent half of forward-over-reverse (no primal forward/backward), bitwise equal to
     * {@link #applyBatch}. Holds the primal values until closed; see {@link Linearized}.
     */
    public Linearized linearize() {
        return linearize(Long.MAX_VALUE);
    }

    /**
     * {@link #linearize()} with a memory budget: throws {@link IllegalStateException} (stating the estimate) as soon
     * as the primal values to hold, extrapolated from the chunks recorded so far, exceed {@code maxBytes}.
     */
    public Linearized linearize(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("linearize: maxBytes must be positive; given " + maxBytes);
        }
        return Linearized.record(model, loss, data, chunk, product, maxBytes, directionsPerPass());
    }

    /** Loss, gradient and {@code H v} from one forward-over-reverse pass. */
    public record WithGradient(double loss, ParamVector grad, ParamVector hv) {
    }

    /** The loss, the gradient and {@code H v} together (they come out of the same pass). */
    public WithGradient applyWithGradient(ParamVector v) {
        if (product != FullBatch.Product.HESSIAN) {
            throw new IllegalStateException("applyWithGradient: only for the Hessian");
        }
        var blocks = new ArrayList<Tensor>();
        for (Tensor p : v.parts()) {
            blocks.add(p.reshape(Shapes.prepend(1, p.shape())));
        }
        var pass = FullBatch.run(model, loss, data, chunk, blocks, product, true);
        var hv = new ArrayList<Tensor>();
        for (Tensor t : pass.tangent()) {
            hv.add(t.reshape(Shapes.tail(t.shape())));
        }
        return new WithGradient(pass.loss().item(), new ParamVector(pass.grad()), new ParamVector(hv));
    }
}
