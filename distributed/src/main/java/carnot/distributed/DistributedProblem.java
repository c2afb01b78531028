package carnot.distributed;

import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Linearized;
import carnot.engine.LinearOperator;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.ParamVector;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.science.train.ModelObjective;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;

/**
 * A full-batch problem (model, loss, training set) whose data set is sharded over Spark executors: shard i is
 * partition i, read by the executor from its file ({@link Shards}) and kept there with a copy of the model built
 * from a {@link ModelSpec}. The driver holds the weights and runs the solver or optimizer; every full-batch sum
 * {@code L = sum_i L_i}, {@code grad L = sum_i grad L_i}, {@code H V = sum_i H_i V} is one Spark job:
 * <ol>
 *   <li>the weights w (once per distinct w) and the directions V [k, P] (once per product) are broadcast;</li>
 *   <li>the task of shard i runs the engine's own pass on its rows ({@link Grad}, {@link Hessian},
 *       {@link Linearized}), the loss normalised by the whole set ({@link carnot.engine.DataSet#totalSize()});</li>
 *   <li>the driver collects one partial per shard and adds them in shard order: {@code ((p_0 + p_1) + p_2) + ...},
 *       in the model's dtype, like the single process adds its chunks.</li>
 * </ol>
 * So a run is bitwise reproducible (nothing depends on which executor answers first or where a retried task ran),
 * and with one chunk per shard it is bitwise the single-process pass with {@code chunk} = rows per shard (shards
 * of {@link Shards#rowsPerShard}); with several chunks per shard the partial sums are grouped per shard, which
 * changes the result by rounding only: {@code |sum - sum'| <= 2 (m - 1) u sum_j |c_j|} (first order, elementwise)
 * for m chunks and unit roundoff u. Executors with another kernel thread count or CPU kind round their GEMMs
 * differently (the engine's determinism contract).
 *
 * <p>Use from one driver thread; close it to free the executors' shard states and the broadcasts.
 */
public final class DistributedProblem implements AutoCloseable {

    /**
     * @param chunk       samples per chunk of each shard's passes (memory only; a shard larger than it is
     *                    processed in several chunks, see the class doc for the rounding)
     * @param shardBudget bytes one shard may hold on its executor: its rows plus, when linearized, the primal values
     * @param threads     kernel threads of each executor JVM's CPU backend, 0 = all its cores (the engine's default).
     *                    Results are bitwise those of a single process with the same thread count; with another
     *                    count they differ by the GEMMs' rounding (their K-split depends on it). For local[N] on one
     *                    machine, cores / N avoids N tasks sharing one pool
     */
    public record Options(int chunk, long shardBudget, int threads) {
        public Options {
            if (chunk < 1 || shardBudget < 1 || threads < 0) {
                throw new IllegalArgumentException("DistributedProblem.Options: need chunk, shardBudget >= 1, threads >= 0;"
                        + " given " + chunk + ", " + shardBudget + ", " + threads);
            }
        }

        /** Whole shards as one chunk, budget a quarter of the executor machine's memory, all cores. */
        public static Options defaults() {
            return new Options(Integer.MAX_VALUE, Linearized.defaultBudget(), 0);
        }

        public Options withThreads(int t) {
            return new Options(chunk, shardBudget, t);
        }
    }

    /** Loss and accuracy over the whole training set (accuracy NaN when the targets are not classes). */
    public record Evaluation(double loss, double accuracy) {
    }

    private final JavaSparkContext sc;
    private final Job job;
    private final JavaRDD<Integer> parts;
    private final Model local;
    private final Backend backend;
    private final int dim;
    private final Map<DistributedOperator, Broadcast<Weights>> open = new IdentityHashMap<>();
    private long versions;
    private long operators;
    private Broadcast<Weights> weights;
    private double[] weightValues;
    private boolean closed;

    private DistributedProblem(JavaSparkContext sc, Job job, Backend backend) {
        this.sc = sc;
        this.job = job;
        this.backend = backend;
        this.local = job.spec().build(backend);
        this.dim = Math.toIntExact(local.numParams());
        int n = job.shards().count();
        List<Integer> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(i);
        }
        this.parts = sc.parallelize(ids, n).persist(StorageLevel.MEMORY_ONLY());
    }

    /**
     * Opens the problem: every executor reads its shard and builds its model (one Spark job, "load"); fails naming
     * the shard when one cannot be read or does not fit its budget. {@code backend} is the driver's (for the
     * reductions and the tensors it returns); executors select theirs by {@link ModelSpec#backend()}.
     */
    public static DistributedProblem open(JavaSparkContext sc, ModelSpec spec, Loss loss, Shards shards, Options o,
                                          Backend backend) {
        Job job = new Job(UUID.randomUUID().toString(), spec, shards, loss, o.chunk(), o.shardBudget(), o.threads());
        DistributedProblem p = new DistributedProblem(sc, job, backend);
        try {
            List<Partial> loaded = p.run("load " + shards.count() + " shards", Tasks.onShard(job, "load",
                    s -> new Partial(s.shard().index(), 0, null, s.shard().bytes(), s.shard().size(), null)));
            for (Partial q : loaded) {
                if (q.total() != shards.rows()[q.index()]) {
                    throw new IllegalStateException(shards.describe(q.index()) + " read " + q.total() + " rows");
                }
            }
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** The id keying this problem's shard states on the executors. */
    String id() {
        return job.problemId();
    }

    /** P, the number of parameters. */
    public int dim() {
        return dim;
    }

    /** N, the training samples over all shards. */
    public int size() {
        return job.shards().totalSize();
    }

    /** The shards. */
    public Shards shards() {
        return job.shards();
    }

    /** The driver's copy of the model (shapes, names, dtype; its weights are not used). */
    public Model model() {
        return local;
    }

    public DType dtype() {
        return job.spec().dtype();
    }

    public Backend backend() {
        return backend;
    }

    /** Full-batch loss and gradient at flat weights w (length P), summed over shards in order. */
    public Grad grad(double[] w) {
        double[] g = new double[dim];
        double loss = lossAndGradient(w, g);
        return new Grad(loss, ParamVector.unflatten(local, Tensor.of(backend, dtype(), g, dim)));
    }

    /** {@link #grad} into {@code out} (length P); returns the loss. */
    public double lossAndGradient(double[] w, double[] out) {
        Broadcast<Weights> bw = weights(w);
        int p = dim;
        List<Partial> ps = run("gradient", Tasks.onShard(job, "gradient", s -> {
            Weights ww = bw.value();
            s.load(ww);
            ModelObjective o = s.objective();
            try (Scope sc = Scope.open()) {
                ParamVector g = ParamVector.zeros(o.backend(), o.dtype(), o.shapes());
                double l = o.lossAndGradient(hostVector(o, ww.values()), null, g);
                return Partial.of(s.shard().index(), l, g.toDoubles());
            }
        }));
        Sum sum = reduce(ps, p);
        System.arraycopy(sum.values(), 0, out, 0, p);
        return sum.loss();
    }

    /** The broadcast weights as a vector of the shard objective's layout (one upload on the executor). */
    private static ParamVector hostVector(ModelObjective o, double[] w) {
        return ParamVector.fromHost(o.backend(), o.dtype(), w, o.shapes());
    }

    /** Loss and accuracy at w (forward passes only). */
    public Evaluation evaluate(double[] w) {
        Broadcast<Weights> bw = weights(w);
        Loss loss = job.loss();
        int chunk = job.chunk();
        List<Partial> ps = run("evaluate", Tasks.onShard(job, "evaluate", s -> {
            s.load(bw.value());
            ModelObjective o = s.objective();
            double l;
            try (Scope sc = Scope.open()) {
                l = Grad.loss(o.model(), loss, s.shard(), Math.min(s.shard().size(), chunk));
            }
            Double acc;
            try (Scope sc = Scope.open()) {
                acc = o.evaluate(hostVector(o, bw.value().values())).get("train_acc");
            }
            long n = s.shard().size();
            return acc == null ? new Partial(s.shard().index(), l, null, -1, n, null)
                    : new Partial(s.shard().index(), l, null, Math.round(acc * n), n, null);
        }));
        Sum sum = reduce(ps, 0);
        long correct = 0;
        long total = 0;
        boolean classes = true;
        for (Partial q : ps) {
            classes &= q.correct() >= 0;
            correct += q.correct();
            total += q.total();
        }
        return new Evaluation(sum.loss(), classes ? correct / (double) total : Double.NaN);
    }

    /** Loss, gradient and {@code H v} at w from one forward-over-reverse pass per shard. */
    public Hessian.WithGradient hvpWithGradient(double[] w, ParamVector v) {
        Broadcast<Weights> bw = weights(w);
        Broadcast<double[]> bv = sc.broadcast(v.flatten().toDoubles());
        int p = dim;
        DType dt = dtype();
        try {
            List<Partial> ps = run("hvp with gradient", Tasks.onShard(job, "hvp with gradient", s -> {
                s.load(bw.value());
                Hessian h = s.hessian(false);
                try (Scope sc = Scope.open()) {
                    Tensor flat = Tensor.of(h.backend(), dt, bv.value(), p);
                    Hessian.WithGradient r = h.applyWithGradient(ParamVector.unflatten(s.objective().model(), flat));
                    double[] out = new double[2 * p];
                    System.arraycopy(r.grad().flatten().toDoubles(), 0, out, 0, p);
                    System.arraycopy(r.hv().flatten().toDoubles(), 0, out, p, p);
                    return Partial.of(s.shard().index(), r.loss(), out);
                }
            }));
            Sum sum = reduce(ps, 2 * p);
            double[] g = Arrays.copyOfRange(sum.values(), 0, p);
            double[] hv = Arrays.copyOfRange(sum.values(), p, 2 * p);
            return new Hessian.WithGradient(sum.loss(), ParamVector.unflatten(local, Tensor.of(backend, dt, g, p)),
                    ParamVector.unflatten(local, Tensor.of(backend, dt, hv, p)));
        } finally {
            bv.destroy();
        }
    }

    /** The Hessian (or Gauss-Newton matrix) at w as a distributed operator with fresh products. Close it. */
    public DistributedOperator hessian(double[] w, boolean gaussNewton) {
        return register(new DistributedOperator(this, weights(w), gaussNewton, -1));
    }

    /**
     * The Hessian (or Gauss-Newton matrix) at w linearized on every executor (one recording job; the primal values
     * stay on the executors until {@link DistributedOperator#close()}); products replay only the tangent work,
     * bitwise equal to {@link #hessian}. Throws {@link ShardMemoryException} naming a shard whose primal values would
     * exceed its budget (nothing stays held then).
     */
    public DistributedOperator linearize(double[] w, boolean gaussNewton) {
        long id = ++operators;
        Broadcast<Weights> bw = weights(w);
        DistributedOperator op = register(new DistributedOperator(this, bw, gaussNewton, id));
        List<Partial> ps;
        try {
            ps = run("linearize", Tasks.onShard(job, "linearize", s -> {
                s.load(bw.value());
                String[] why = new String[1];
                Linearized lin = s.linearized(id, gaussNewton, why);
                return new Partial(s.shard().index(), 0, null, lin == null ? 0 : lin.bytes(), 0, why[0]);
            }));
        } catch (RuntimeException e) {
            op.close();
            throw e;
        }
        long bytes = 0;
        for (Partial q : ps) {
            if (q.refused() != null) {
                op.close();
                throw new ShardMemoryException("linearize: " + q.refused(), null);
            }
            bytes += q.correct();
        }
        op.linearizedBytes(bytes);
        return op;
    }

    /** {@code A V} for V [k, P] (row-major, f64 on the wire) with operator {@code op}; result [k, P] values. */
    double[] products(DistributedOperator op, double[] v, int k) {
        Broadcast<double[]> bv = sc.broadcast(v);
        Broadcast<Weights> bw = op.weights();
        boolean gn = op.gaussNewton();
        long id = op.id();
        int p = dim;
        DType dt = dtype();
        String what = (gn ? "gn" : "hvp") + (id >= 0 ? " linearized" : "") + " k=" + k;
        try {
            List<Partial> ps = run(what, Tasks.onShard(job, what, s -> {
                s.load(bw.value());
                LinearOperator a;
                if (id >= 0) {
                    String[] why = new String[1];
                    a = s.linearized(id, gn, why);
                    if (a == null) {
                        return new Partial(s.shard().index(), 0, null, 0, 0, why[0]);
                    }
                } else {
                    a = s.hessian(gn);
                }
                try (Scope sc = Scope.open()) {
                    Tensor vt = Tensor.of(a.backend(), dt, bv.value(), k, p);
                    return Partial.of(s.shard().index(), 0, a.applyBatch(vt).toDoubles());
                }
            }));
            for (Partial q : ps) {
                if (q.refused() != null) {
                    throw new ShardMemoryException(what + ": " + q.refused(), null);
                }
            }
            return reduce(ps, k * p).values();
        } finally {
            bv.destroy();
        }
    }

    /** Frees operator {@code op}'s linearized state on the executors. */
    void closed(DistributedOperator op) {
        Broadcast<Weights> bw = open.remove(op);
        if (op.id() >= 0 && !closed) {
            long id = op.id();
            run("release linearized", Tasks.onShard(job, "release", s -> {
                s.drop(id);
                return Partial.of(s.shard().index(), 0, null);
            }));
        }
        if (bw != null && bw != weights && !open.containsValue(bw)) {
            bw.destroy();
        }
    }

    private DistributedOperator register(DistributedOperator op) {
        open.put(op, op.weights());
        return op;
    }

    /** The broadcast of w: the current one when w is unchanged, else a new version (the old one freed if unused). */
    private Broadcast<Weights> weights(double[] w) {
        check();
        if (w.length != dim) {
            throw new IllegalArgumentException("weights must have P = " + dim + " values; given " + w.length);
        }
        if (weights != null && Arrays.equals(weightValues, w)) {
            return weights;
        }
        if (weights != null && !open.containsValue(weights)) {
            weights.destroy();
        }
        weightValues = w.clone();
        weights = sc.broadcast(new Weights(++versions, weightValues));
        return weights;
    }

    private record Sum(double loss, double[] values) {
    }

    /**
     * Adds the shards' partials in shard order: the losses in double, the values as {@code dtype} tensors on the
     * driver backend ({@code acc = acc + p_i}, the single process's chunk accumulation).
     */
    private Sum reduce(List<Partial> ps, int len) {
        List<Partial> sorted = new ArrayList<>(ps);
        sorted.sort(Comparator.comparingInt(Partial::index));
        if (sorted.size() != job.shards().count()) {
            throw new IllegalStateException("expected one partial per shard (" + job.shards().count() + "); got " + sorted.size());
        }
        double loss = 0;
        double[] out = null;
        try (Scope s = Scope.open()) {
            Tensor acc = null;
            for (int i = 0; i < sorted.size(); i++) {
                Partial q = sorted.get(i);
                if (q.index() != i) {
                    throw new IllegalStateException("partials must come one per shard; shard " + i + " is missing");
                }
                loss += q.loss();
                if (len > 0) {
                    if (q.values() == null || q.values().length != len) {
                        throw new IllegalStateException(job.shards().describe(i) + " returned "
                                + (q.values() == null ? "no values" : q.values().length + " values") + "; expected " + len);
                    }
                    Tensor t = Tensor.of(backend, dtype(), q.values(), len);
                    acc = acc == null ? t : acc.add(t);
                }
            }
            if (acc != null) {
                out = acc.toDoubles();
            }
        }
        return new Sum(loss, out);
    }

    /** Runs one job (one stage: a task per shard) and collects its partials; executor errors come back unwrapped. */
    private List<Partial> run(String what, org.apache.spark.api.java.function.Function2<Integer, java.util.Iterator<Integer>,
            java.util.Iterator<Partial>> f) {
        sc.setJobDescription("carnot " + what);
        try {
            return parts.mapPartitionsWithIndex(f, true).collect();
        } catch (Exception e) { // Spark throws its checked SparkException undeclared
            throw unwrap(what, e);
        } finally {
            sc.setJobDescription(null);
        }
    }

    /** The executor's ShardMemoryException when there is one in the chain or the message, else a named failure. */
    static RuntimeException unwrap(String what, Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ShardMemoryException sm) {
                return new ShardMemoryException(sm.getMessage(), e);
            }
        }
        String m = String.valueOf(e.getMessage());
        String tag = ShardMemoryException.class.getName() + ": ";
        int at = m.indexOf(tag);
        if (at >= 0) {
            int end = m.indexOf('\n', at);
            return new ShardMemoryException(m.substring(at + tag.length(), end < 0 ? m.length() : end), e);
        }
        return new IllegalStateException(String.format(Locale.ROOT, "Spark job 'carnot %s' failed: %s", what, m), e);
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("DistributedProblem: used after close()");
        }
    }

    /** Closes open operators, frees the shard states on the executors, the broadcasts and the cached partitions. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        for (DistributedOperator op : new ArrayList<>(open.keySet())) {
            op.close();
        }
        try {
            run("release", Tasks.release(job.problemId()));
        } finally {
            closed = true;
            ExecutorCache.release(job.problemId());
            if (weights != null) {
                weights.destroy();
            }
            parts.unpersist(false);
            for (var t : local.values()) {
                t.close();
            }
        }
    }
}
