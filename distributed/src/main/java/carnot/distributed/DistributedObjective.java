package carnot.distributed;

import carnot.engine.Param;
import carnot.engine.Scope;
import carnot.engine.train.ModelObjective;
import carnot.engine.train.Objective;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link DistributedProblem} as the training loop's {@link Objective}: full-batch loss and gradient from the
 * executors, sharpness by the engine's warm-started Lanczos ({@link ModelObjective#lanczos}) on the Hessian
 * linearized on the executors (fresh distributed products when a shard's primal values exceed its budget), train
 * accuracy from the executors. The {@link carnot.engine.train.Trainer}, its optimizers and observables run on it
 * unchanged. Mini-batches (SGD) are not distributed: full batch only.
 */
public final class DistributedObjective implements Objective {
    private final DistributedProblem problem;
    private final double eigTol;
    private final int eigMaxIter;
    private final List<String> names = new ArrayList<>();
    private final List<int[]> shapes = new ArrayList<>();

    /**
     * @param eigTol     Lanczos residual tolerance for sharpness (relative)
     * @param eigMaxIter Lanczos product budget per solve
     */
    public DistributedObjective(DistributedProblem problem, double eigTol, int eigMaxIter) {
        this.problem = problem;
        this.eigTol = eigTol;
        this.eigMaxIter = eigMaxIter;
        for (Param p : problem.model().params()) {
            names.add(p.name());
            shapes.add(p.shape());
        }
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public List<int[]> shapes() {
        return shapes;
    }

    @Override
    public int size() {
        return problem.size();
    }

    @Override
    public double lossAndGradient(double[] w, int[] samples, double[] grad) {
        if (samples != null) {
            throw new IllegalArgumentException("the distributed objective computes full-batch gradients only; given a"
                    + " mini-batch of " + samples.length + " samples (use a full-batch optimizer: gd, momentum, nesterov,"
                    + " adam, adamw)");
        }
        return problem.lossAndGradient(w, grad);
    }

    @Override
    public Eigen topEigen(double[] w, int k, double[][] warm) {
        try (DistributedOperator op = linearizedOrFresh(w); Scope _ = Scope.open()) {
            return ModelObjective.lanczos(op, k, warm, eigTol, eigMaxIter);
        }
    }

    private DistributedOperator linearizedOrFresh(double[] w) {
        try {
            return problem.linearize(w, false);
        } catch (ShardMemoryException tooLarge) {
            return problem.hessian(w, false);
        }
    }

    /** train_acc over all shards (classification targets only). */
    @Override
    public Map<String, Double> evaluate(double[] w) {
        Map<String, Double> m = new LinkedHashMap<>();
        double acc = problem.evaluate(w).accuracy();
        if (!Double.isNaN(acc)) {
            m.put("train_acc", acc);
        }
        return m;
    }
}
