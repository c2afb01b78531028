package carnot.science.train;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.LinearOperator;
import carnot.engine.Linearized;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.science.spectral.Lanczos;
import carnot.engine.ParamVector;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network, a loss and a training set (optionally a held-out set) as an {@link Objective}: w is copied (rounded
 * to the parameter dtype by one conversion kernel) into one flat buffer whose per-parameter views are the model's
 * parameter values, gradients come from the exact chunked {@link Grad}, sharpness from warm-started
 * {@link Lanczos} on the exact {@link Hessian}. Everything stays on the model's backend: the vectors the loop
 * passes in are in the master dtype (f64 by default, or the model's own dtype), and a gradient step moves one
 * loss per chunk to the host.
 */
public final class ModelObjective implements Objective, AutoCloseable {
    private final Model model;
    private final Loss loss;
    private final DataSet train;
    private final DataSet test;
    private final int chunk;
    private final double eigTol;
    private final int eigMaxIter;
    private final List<String> names = new ArrayList<>();
    private final List<int[]> shapes = new ArrayList<>();
    private final DType master;
    private final ParamVector weights;
    private final int[][] hostIds = new int[2][];

    /**
     * @param chunk      samples per chunk of the full-batch passes (memory only)
     * @param eigTol     Lanczos residual tolerance for sharpness (relative)
     * @param eigMaxIter Lanczos product budget per solve
     * @param test       held-out set or null
     */
    public ModelObjective(Model model, Loss loss, DataSet train, DataSet test, int chunk, double eigTol, int eigMaxIter) {
        this(model, loss, train, test, chunk, eigTol, eigMaxIter, DType.F64);
    }

    /**
     * The same, with the master weights (the vectors the loop passes in, the optimizer's state) in {@code master}:
     * F64 (default) or the model's dtype.
     */
    public ModelObjective(Model model, Loss loss, DataSet train, DataSet test, int chunk, double eigTol, int eigMaxIter,
                          DType master) {
        if (!master.isFloating()) {
            throw new IllegalArgumentException("master weights need a floating dtype; given " + master);
        }
        if (chunk < 1) {
            throw new IllegalArgumentException("chunk must be >= 1; given " + chunk);
        }
        this.model = model;
        this.loss = loss;
        this.train = train;
        this.test = test;
        this.chunk = Math.min(chunk, Math.max(1, train.size()));
        this.eigTol = eigTol;
        this.eigMaxIter = eigMaxIter;
        for (Param p : model.params()) {
            names.add(p.name());
            shapes.add(p.shape());
        }
        this.master = master;
        this.weights = ParamVector.of(model);
        bind();
    }

    /** Makes the model's parameter values the views of {@link #weights} (another objective may have rebound them). */
    private void bind() {
        List<Param> ps = model.params();
        for (int i = 0; i < ps.size(); i++) {
            if (ps.get(i).value() != weights.get(i)) {
                ps.get(i).set(weights.get(i));
            }
        }
    }

    /** The model's current parameter values as a new f64 parameter vector on its backend (the default master weights). */
    public static ParamVector flatten(Model model) {
        try (ParamVector v = ParamVector.of(model)) {
            return v.to(DType.F64);
        }
    }

    /** Frees the weight buffer; the model's parameter values (its views) die with it. */
    @Override
    public void close() {
        weights.close();
    }

    /** The model's current parameter values as a new vector in this objective's master dtype. */
    public ParamVector initial() {
        return weights.to(master);
    }

    public Model model() {
        return model;
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
        return train.size();
    }

    @Override
    public Backend backend() {
        return weights.backend();
    }

    @Override
    public DType dtype() {
        return master;
    }

    /** Writes w into the model's parameters (one copy or conversion kernel on the backend). */
    public void load(ParamVector w) {
        if (w.dim() != weights.dim() || w.backend() != weights.backend()) {
            throw new IllegalArgumentException("weights must have " + weights.dim() + " values on " + weights.backend().name()
                    + " for this model; given " + w.dim() + " on " + w.backend().name());
        }
        weights.set(w);
        bind();
    }

    @Override
    public double lossAndGradient(ParamVector w, int[] samples, ParamVector grad) {
        load(w);
        try (Scope _ = Scope.open()) {
            DataSet d = samples == null ? train : subset(samples);
            Grad g = Grad.of(model, loss, d, Math.min(chunk, d.size()));
            grad.set(g.grad());
            return g.loss();
        }
    }

    /**
     * Top-k Hessian eigenpairs by Lanczos from the warm rows (or a random start), through the Hessian linearized at
     * {@code w} (fresh products when its primal values would exceed {@link Linearized#defaultBudget()}).
     */
    @Override
    public Eigen topEigen(ParamVector w, int k, Tensor warm) {
        load(w);
        try (Scope s = Scope.open()) {
            Hessian fresh = Hessian.of(model, loss, train, chunk);
            Linearized lin = withinBudget(fresh);
            try {
                Eigen e = lanczos(lin != null ? lin : fresh, k, warm);
                s.keep(e.vectors());
                return e;
            } finally {
                if (lin != null) {
                    lin.close();
                }
            }
        }
    }

    private static Linearized withinBudget(Hessian h) {
        try {
            return h.linearize(Linearized.defaultBudget());
        } catch (IllegalStateException tooLarge) {
            return null;
        }
    }

    private Eigen lanczos(LinearOperator h, int k, Tensor warm) {
        return lanczos(h, k, warm, eigTol, eigMaxIter, master);
    }

    /**
     * The k largest eigenpairs of {@code h} by Lanczos (tolerance {@code tol}, at most {@code maxIter} products)
     * started from the warm rows [j, P] (any dtype on h's backend; null for a random start), the vectors returned in
     * {@code dtype} (owned by the current {@link Scope}): what {@link #topEigen} does on any operator.
     */
    public static Eigen lanczos(LinearOperator h, int k, Tensor warm, double tol, int maxIter, DType dtype) {
        Tensor start = warm == null || warm.dim(0) == 0 ? null : warm.to(h.dtype());
        carnot.science.spectral.Eigen e = Lanczos.topK(h, k, tol, maxIter, start);
        return new Eigen(e.values().clone(), e.vectors().to(dtype), e.products());
    }

    /**
     * train_acc (classification only), and test_loss, test_acc when a held-out set was given; one forward pass per
     * chunk of each set (the held-out loss and accuracy come from the same outputs).
     */
    @Override
    public Map<String, Double> evaluate(ParamVector w) {
        load(w);
        Map<String, Double> m = new LinkedHashMap<>();
        try (Scope _ = Scope.open()) {
            double acc = pass(train, false)[1];
            if (!Double.isNaN(acc)) {
                m.put("train_acc", acc);
            }
            if (test != null) {
                double[] lossAcc = pass(test, true);
                m.put("test_loss", lossAcc[0]);
                if (!Double.isNaN(lossAcc[1])) {
                    m.put("test_acc", lossAcc[1]);
                }
            }
        }
        return m;
    }

    /** Column names {@link #evaluate} can produce. */
    public List<String> evaluationColumns() {
        List<String> c = new ArrayList<>(List.of("train_acc"));
        if (test != null) {
            c.addAll(List.of("test_loss", "test_acc"));
        }
        return c;
    }

    /**
     * {loss, accuracy} of the model on {@code d} from one forward pass per chunk ({@link DataSet#chunks}): the loss
     * (when {@code withLoss}, else NaN) is {@link Grad#loss}'s chunked sum; the accuracy is the fraction of
     * argmax(output) == class (CE ids, or argmax of one-hot MSE targets with ≥ 2 columns), NaN otherwise.
     */
    private double[] pass(DataSet d, boolean withLoss) {
        if (d.size() == 0) {
            return new double[] {withLoss ? 0 : Double.NaN, Double.NaN};
        }
        double norm = withLoss ? loss.count(d) : Double.NaN;
        double[] total = {withLoss ? 0 : Double.NaN};
        int[] counts = {0, 0, 1}; // correct, counted, classes defined
        d.chunks(chunk, (from, to, s) -> {
            Tensor out = model.forward(d.x(from, to));
            Tensor y = d.y(from, to);
            if (withLoss) {
                total[0] += loss.apply(out, y, norm).item();
            }
            int[] os = out.shape();
            int c = os[os.length - 1];
            if (counts[2] == 0 || c < 2 || (y.dtype() != DType.I32 && !Arrays.equals(y.shape(), os))) {
                counts[2] = 0;
                return withLoss;
            }
            double[] o = out.toDoubles();
            int rows = o.length / c;
            int[] ids = y.dtype() == DType.I32 ? y.toInts() : argmaxRows(y.toDoubles(), c);
            int[] pred = argmaxRows(o, c);
            for (int i = 0; i < rows; i++) {
                counts[0] += pred[i] == ids[i] ? 1 : 0;
            }
            counts[1] += rows;
            return true;
        });
        return new double[] {total[0], counts[2] == 0 || counts[1] == 0 ? Double.NaN : counts[0] / (double) counts[1]};
    }

    /** Index of the largest of each row of {@code a} (row-major, {@code c} columns; the first on ties). */
    public static int[] argmaxRows(double[] a, int c) {
        int[] r = new int[a.length / c];
        for (int i = 0; i < r.length; i++) {
            int best = 0;
            for (int j = 1; j < c; j++) {
                if (a[i * c + j] > a[i * c + best]) {
                    best = j;
                }
            }
            r[i] = best;
        }
        return r;
    }

    /**
     * The training samples at {@code idx} as an in-memory data set: floating arrays are gathered on the backend (the
     * indices are uploaded), integer arrays (token ids, class ids) from a host copy made on first use.
     */
    private DataSet subset(int[] idx) {
        Tensor x = train.x(0, train.size());
        Tensor y = train.y(0, train.size());
        Tensor at = Tensor.indices(x.backend(), idx, idx.length);
        if (x.dtype() == DType.I32 && hostIds[0] == null) {
            hostIds[0] = x.toInts();
        }
        if (y.dtype() == DType.I32 && hostIds[1] == null) {
            hostIds[1] = y.toInts();
        }
        return new ArrayDataSet(rows(x, at, idx, hostIds[0]), rows(y, at, idx, hostIds[1]));
    }

    /** Rows {@code idx} of {@code t} [N, ...] as [B, ...]: one gather kernel, or from {@code host} for I32. */
    private static Tensor rows(Tensor t, Tensor at, int[] idx, int[] host) {
        int[] s = t.shape();
        int row = Math.toIntExact(t.size() / s[0]);
        s[0] = idx.length;
        if (t.dtype() != DType.I32) {
            return t.reshape(t.dim(0), row).gather(at).reshape(s);
        }
        int[] d = new int[idx.length * row];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(host, idx[i] * row, d, i * row, row);
        }
        return Tensor.indices(t.backend(), d, s);
    }
}
