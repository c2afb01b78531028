package carnot.engine;

import carnot.engine.ops.Shapes;
import carnot.kernels.Backend;
import carnot.kernels.DType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A linear operator on the parameters of a model, {@code A : R^P -> R^P} with {@code P = model.numParams()}, made
 * of full-batch passes over a data set ({@link DataSet#chunks}, summed over chunks in order): the base of the
 * {@link Hessian} (fresh forward-over-reverse passes, also the Gauss-Newton matrix) and of {@link Linearized}
 * (replayed tangent halves). A subclass gives one pass ({@link #products}: per parameter blocks {@code [k, shape]}
 * of k directions in, {@code A V} blocks out); this base owns the operator surface in every shape a caller holds
 * directions (flat [P] and [k, P], {@link ParamVector}s) and the batching of directions: at most
 * {@link #directionsPerPass()} go through one pass (a memory bound: the tangents of one pass take k times the
 * activations of a chunk), more are split into consecutive groups of that many rows.
 */
public abstract sealed class ParamOperator implements LinearOperator permits Hessian, Linearized {
    /** The model whose parameters the operator acts on. */
    final Model model;
    private final int directionsPerPass;

    ParamOperator(Model model, int directionsPerPass) {
        if (directionsPerPass < 1) {
            throw new IllegalArgumentException("directions per pass must be >= 1; given " + directionsPerPass);
        }
        this.model = model;
        this.directionsPerPass = directionsPerPass;
    }

    /**
     * {@code A V} for per parameter blocks {@code [k, shape]} of k directions (k at most {@link #directionsPerPass()}):
     * one pass, per parameter {@code [k, shape]} results.
     */
    abstract List<Tensor> products(List<Tensor> blocks);

    /** Most directions one pass carries (larger batches are split); {@link Integer#MAX_VALUE} when unbounded. */
    public int directionsPerPass() {
        return directionsPerPass;
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

    /** {@code A v} for v [P]; result [P]. */
    @Override
    public Tensor apply(Tensor v) {
        if (v.rank() != 1 || v.dim(0) != dim()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".apply: v must be [" + dim() + "]; given "
                    + Arrays.toString(v.shape()));
        }
        return applyBatch(v.reshape(1, -1)).reshape(-1);
    }

    /** {@code A v_j} for the rows of V [k, P]; result [k, P]; passes of at most {@link #directionsPerPass()} rows. */
    @Override
    public Tensor applyBatch(Tensor vs) {
        if (vs.rank() != 2 || vs.dim(1) != dim()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".applyBatch: V must be [k, " + dim()
                    + "]; given " + Arrays.toString(vs.shape()));
        }
        int k = vs.dim(0);
        if (k <= directionsPerPass) {
            return ParamVector.flattenBatch(products(ParamVector.unflattenBatch(model, vs)));
        }
        var groups = new ArrayList<Tensor>();
        for (int from = 0; from < k; from += directionsPerPass) {
            Tensor rows = vs.slice(0, from, Math.min(k, from + directionsPerPass));
            groups.add(ParamVector.flattenBatch(products(ParamVector.unflattenBatch(model, rows))));
        }
        return Tensor.concat(0, groups.toArray(new Tensor[0]));
    }

    /** {@code A v} for v [P] (the same as {@link #apply(Tensor)}). */
    public Tensor applyFlat(Tensor v) {
        return apply(v);
    }

    /** {@code A v_j} for the rows of V [k, P] (the same as {@link #applyBatch(Tensor)}). */
    public Tensor applyFlatBatch(Tensor vs) {
        return applyBatch(vs);
    }

    /** {@code A v} for a vector shaped like the parameters. */
    public ParamVector apply(ParamVector v) {
        return applyBatch(List.of(v)).getFirst();
    }

    /** {@code A v_j} for vectors shaped like the parameters, in passes of at most {@link #directionsPerPass()}. */
    public List<ParamVector> applyBatch(List<ParamVector> vs) {
        var res = new ArrayList<ParamVector>(vs.size());
        for (int from = 0; from < vs.size(); from += directionsPerPass) {
            res.addAll(pass(vs.subList(from, Math.min(vs.size(), from + directionsPerPass))));
        }
        return res;
    }

    /** One pass for k = vs.size() parameter-shaped directions: stacked into [k, shape] blocks, split back after. */
    private List<ParamVector> pass(List<ParamVector> vs) {
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
        List<Tensor> out = products(blocks);
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
}
