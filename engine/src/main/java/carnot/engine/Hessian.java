package carnot.engine;

import carnot.engine.ops.Shapes;
import carnot.kernels.Backend;
import carnot.kernels.DType;

import java.util.ArrayList;
import java.util.List;

/**
 * The exact full-batch loss Hessian {@code H = d^2 L / dw^2} at the model's current parameter values, as a
 * matrix-free operator. Each product is forward-over-reverse: the directions ride as tangents on the weights
 * through the forward and the backward pass; k directions go at once as a [k, ...] tangent batch (GEMM-shaped).
 * Cost of one pass ≈ 3x a gradient pass for one direction.
 */
public final class Hessian implements LinearOperator {
    private final Model model;
    private final Loss loss;
    private final DataSet data;
    private final int chunk;
    private final FullBatch.Product product;

    Hessian(Model model, Loss loss, DataSet data, int chunk, FullBatch.Product product) {
        FullBatch.checkChunk(data, chunk);
        this.model = model;
        this.loss = loss;
        this.data = data;
        this.chunk = chunk;
        this.product = product;
    }

    /** The Hessian of {@code loss} over all of {@code data}, chunks of {@code chunk} samples. */
    public static Hessian of(Model model, Loss loss, DataSet data, int chunk) {
        return new Hessian(model, loss, data, chunk, FullBatch.Product.HESSIAN);
    }

    /** The Hessian over all of {@code data} in one chunk. */
    public static Hessian of(Model model, Loss loss, DataSet data) {
        return of(model, loss, data, data.size());
    }

    @Override
    public int dim() {
        return Math.toIntExact(model.numParams());
    }

    @Override
    public DType dtype() {
        return model.params().getFirst().value().dtype();
    }

    @Override
    public Backend backend() {
        return model.params().getFirst().value().backend();
    }

    /** {@code H v}. */
    public ParamVector apply(ParamVector v) {
        return applyBatch(List.of(v)).getFirst();
    }

    /** {@code H v_j} for all j in one pass (tangent batch k = vs.size()). */
    public List<ParamVector> applyBatch(List<ParamVector> vs) {
        int k = vs.size();
        int np = model.params().size();
        var blocks = new ArrayList<Tensor>(np);
        for (int i = 0; i < np; i++) {
            Tensor[] rows = new Tensor[k];
            for (int j = 0; j < k; j++) {
                Tensor p = vs.get(j).get(i);
                rows[j] = p.reshape(Shapes.prepend(1, p.shape()));
            }
            blocks.add(k == 1 ? rows[0] : Tensor.concat(0, rows));
        }
        List<Tensor> out = run(blocks);
        var res = new ArrayList<ParamVector>(k);
        for (int j = 0; j < k; j++) {
            var parts = new ArrayList<Tensor>(np);
            for (int i = 0; i < np; i++) {
                Tensor b = out.get(i);
                Tensor row = k == 1 ? b : b.slice(0, j, j + 1);
                parts.add(row.reshape(Shapes.tail(b.shape())));
            }
            res.add(new ParamVector(parts));
        }
        return res;
    }

    /** {@code H v} for a flat v [P]. */
    public Tensor applyFlat(Tensor v) {
        return applyFlatBatch(v.reshape(1, -1)).reshape(-1);
    }

    /** {@code H v_j} for the rows of V [k, P], one pass; result [k, P]. */
    public Tensor applyFlatBatch(Tensor vs) {
        return ParamVector.flattenBatch(run(ParamVector.unflattenBatch(model, vs)));
    }

    @Override
    public Tensor apply(Tensor v) {
        return applyFlat(v);
    }

    @Override
    public Tensor applyBatch(Tensor vs) {
        return applyFlatBatch(vs);
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
        return Linearized.record(model, loss, data, chunk, product, maxBytes);
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
        return new WithGradient(pass.loss(), new ParamVector(pass.grad()), new ParamVector(hv));
    }

    private List<Tensor> run(List<Tensor> blocks) {
        return FullBatch.run(model, loss, data, chunk, blocks, product, false).tangent();
    }
}
