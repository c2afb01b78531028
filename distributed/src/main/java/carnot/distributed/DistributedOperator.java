package carnot.distributed;

import carnot.engine.LinearOperator;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import org.apache.spark.broadcast.Broadcast;

/**
 * The full-batch Hessian (or Gauss-Newton matrix) at fixed weights as an engine {@link LinearOperator} whose products
 * run on Spark: {@code A V = sum_i A_i V} over the shards, one job per call, k = rows of V directions in one pass.
 * Every solver of the engine (Lanczos, LOBPCG, power iteration, SLQ, Hutchinson/Hutch++, the full spectrum, block
 * restriction) takes it as it takes the local {@link carnot.engine.Hessian}. Linearized operators
 * ({@link DistributedProblem#linearize}) keep their primal values on the executors until {@link #close()}.
 */
public final class DistributedOperator implements LinearOperator, AutoCloseable {
    private final DistributedProblem problem;
    private final Broadcast<Weights> weights;
    private final boolean gaussNewton;
    private final long id;
    private long linearizedBytes;
    private long products;
    private boolean closed;

    DistributedOperator(DistributedProblem problem, Broadcast<Weights> weights, boolean gaussNewton, long id) {
        this.problem = problem;
        this.weights = weights;
        this.gaussNewton = gaussNewton;
        this.id = id;
    }

    Broadcast<Weights> weights() {
        return weights;
    }

    boolean gaussNewton() {
        return gaussNewton;
    }

    /** Operator id on the executors (>= 1 when linearized), -1 for fresh products. */
    long id() {
        return id;
    }

    void linearizedBytes(long b) {
        linearizedBytes = b;
    }

    /** True when the executors hold linearized tapes for it. */
    public boolean linearized() {
        return id >= 0;
    }

    /** Primal bytes held over all executors (0 when not linearized). */
    public long linearizedBytes() {
        return linearizedBytes;
    }

    /** Matrix-vector products so far (k per batched call). */
    public long products() {
        return products;
    }

    @Override
    public int dim() {
        return problem.dim();
    }

    @Override
    public DType dtype() {
        return problem.dtype();
    }

    @Override
    public Backend backend() {
        return problem.backend();
    }

    @Override
    public Tensor apply(Tensor v) {
        if (v.rank() != 1 || v.dim(0) != dim()) {
            throw new IllegalArgumentException("DistributedOperator.apply: v must be [" + dim() + "]; given "
                    + java.util.Arrays.toString(v.shape()));
        }
        return Tensor.of(backend(), dtype(), run(v, 1), dim());
    }

    @Override
    public Tensor applyBatch(Tensor vs) {
        if (vs.rank() != 2 || vs.dim(1) != dim()) {
            throw new IllegalArgumentException("DistributedOperator.applyBatch: V must be [k, " + dim() + "]; given "
                    + java.util.Arrays.toString(vs.shape()));
        }
        return Tensor.of(backend(), dtype(), run(vs, vs.dim(0)), vs.dim(0), dim());
    }

    private double[] run(Tensor v, int k) {
        if (closed) {
            throw new IllegalStateException("DistributedOperator: used after close()");
        }
        double[] out = problem.products(this, v.toDoubles(), k);
        products += k;
        return out;
    }

    /** Releases the executors' linearized state (if any) and this operator's weights broadcast when unused. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            problem.closed(this);
        }
    }
}
