package carnot.distributed;

import carnot.engine.Param;
import carnot.engine.ParamVector;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.science.train.ModelObjective;
import carnot.science.train.Objective;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link DistributedProblem} as the training loop's {@link Objective}: full-batch loss and gradient from the
 * executors, sharpness by the engine's warm-started Lanczos ({@link ModelObjective#lanczos}) on the Hessian
 * linearized on the executors (fresh distributed products when a shard's primal values exceed its budget), train
 * accuracy from the executors. The {@link carnot.science.train.Trainer}, its optimizers and observables run on it
 * unchanged. Mini-batches (SGD) are not distributed: full batch only. The loop's vectors are f64 on the driver
 * model's backend; the weights are downloaded once per call to be broadcast, and the gradient uploaded.
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
    public Backend backend() {
        return problem.model().params().getFirst().value().backend();
    }

    @Override
    public DType dtype() {
        return DType.F64;
    }

    @Override
    public double lossAndGradient(ParamVector w, int[] samples, ParamVector grad) {
        if (samples != null) {
            throw new IllegalArgumentException("the distributed objective computes full-batch gradients only; given a"
                    + " mini-batch of " + samples.length + " samples (use a full-batch optimizer: gd, momentum, nesterov,"
                    + " adam, adamw)");
        }
        double[] g = new double[w.toDoubles().length];
        double loss = problem.lossAndGradient(w.toDoubles(), g);
        try (ParamVector h = ParamVector.fromHost(grad.backend(), grad.dtype(), g, grad.shapes())) {
            grad.set(h);
        }
        return loss;
    }

    @Override
    public Eigen topEigen(ParamVector w, int k, Tensor warm) {
        try (DistributedOperator op = linearizedOrFresh(w.toDoubles()); Scope s = Scope.open()) {
            Eigen e = ModelObjective.lanczos(op, k, warm, eigTol, eigMaxIter, DType.F64);
            s.keep(e.vectors());
            return e;
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
    public Map<String, Double> evaluate(ParamVector w) {
        Map<String, Double> m = new LinkedHashMap<>();
        double acc = problem.evaluate(w.toDoubles()).accuracy();
        if (!Double.isNaN(acc)) {
            m.put("train_acc", acc);
        }
        return m;
    }
}
