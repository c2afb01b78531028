package carnot.distributed;

import carnot.engine.GaussNewton;
import carnot.engine.Hessian;
import carnot.engine.Linearized;
import carnot.engine.Model;
import carnot.science.train.ModelObjective;
import carnot.kernels.Backend;
import carnot.engine.ParamVector;
import carnot.engine.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * What an executor keeps for one shard of one problem between tasks: the shard's rows, the model built from the
 * spec, the weights version it holds, and the linearized operators recorded at those weights (by operator id).
 * Gradients and accuracy go through the engine's {@link ModelObjective} on the shard, products through the
 * engine's {@link Hessian} / {@link Linearized}: the same code as a single process, on fewer rows. Used by one
 * task at a time ({@link Tasks} synchronizes on it).
 */
final class ShardState implements AutoCloseable {
    private final Job job;
    private final Shard shard;
    private final Model model;
    private final ModelObjective objective;
    private final Map<Long, Linearized> linearized = new HashMap<>();
    private long version = -1;

    /** Reads the shard and builds the model; refuses when the rows alone exceed the shard budget. */
    ShardState(Job job, int index, Backend backend) {
        this.job = job;
        this.shard = job.shards().load(index, backend, job.spec().dtype());
        if (shard.bytes() > job.shardBudget()) {
            long b = shard.bytes();
            shard.data().inputs().close();
            shard.data().targets().close();
            throw new ShardMemoryException(job.shards().describe(index) + " holds " + Shards.bytes(b) + " of data in"
                    + " memory, more than the per-shard budget of " + Shards.bytes(job.shardBudget())
                    + "; split the data into more shards or raise the budget", null);
        }
        this.model = job.spec().build(backend);
        double[] m = job.spec().multipliers();
        if (m != null) {
            if (m.length != model.params().size()) {
                throw new IllegalArgumentException("model spec: need one multiplier per parameter (" + model.params().size()
                        + "); given " + m.length);
            }
            for (int i = 0; i < m.length; i++) {
                model.params().get(i).setMultiplier(m[i]);
            }
        }
        java.util.List<Tensor> built = model.values();
        this.objective = new ModelObjective(model, job.loss(), shard, null, job.chunk(), 1e-6, 1);
        for (Tensor t : built) {
            t.close(); // the objective's own buffer holds the parameter values from here on
        }
    }

    Shard shard() {
        return shard;
    }

    ModelObjective objective() {
        return objective;
    }

    /** Writes w into the model unless it holds that version already; linearized operators of older weights go. */
    void load(Weights w) {
        if (w.version() != version) {
            closeLinearized();
            try (ParamVector v = ParamVector.fromHost(objective.backend(), objective.dtype(), w.values(), objective.shapes())) {
                objective.load(v);
            }
            version = w.version();
        }
    }

    /** The Hessian (or Gauss-Newton matrix) of the loss on this shard at the loaded weights, fresh products. */
    Hessian hessian(boolean gaussNewton) {
        int chunk = Math.min(job.chunk(), shard.size());
        return gaussNewton ? GaussNewton.of(model, job.loss(), shard, chunk) : Hessian.of(model, job.loss(), shard, chunk);
    }

    /**
     * Operator {@code id} linearized at the loaded weights (recorded on first use, kept until {@link #drop} or new
     * weights), or null with {@code refusal[0]} set when its primal values would exceed the budget left after the data.
     */
    Linearized linearized(long id, boolean gaussNewton, String[] refusal) {
        Linearized lin = linearized.get(id);
        if (lin == null) {
            long left = job.shardBudget() - shard.bytes();
            try {
                lin = hessian(gaussNewton).linearize(Math.max(1, left));
            } catch (IllegalStateException tooLarge) {
                refusal[0] = job.shards().describe(shard.index()) + ": " + tooLarge.getMessage();
                return null;
            }
            linearized.put(id, lin);
        }
        return lin;
    }

    /** Releases operator {@code id}'s primal values. */
    void drop(long id) {
        Linearized lin = linearized.remove(id);
        if (lin != null) {
            lin.close();
        }
    }

    private void closeLinearized() {
        for (Linearized l : linearized.values()) {
            l.close();
        }
        linearized.clear();
    }

    /** Frees the linearized operators, the weights and the rows. */
    @Override
    public void close() {
        closeLinearized();
        objective.close();
        shard.data().inputs().close();
        shard.data().targets().close();
    }
}
