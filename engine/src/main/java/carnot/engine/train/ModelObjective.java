package carnot.engine.train;

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
import carnot.engine.spectral.Lanczos;
import carnot.kernels.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network, a loss and a training set (optionally a held-out set) as an {@link Objective}: the flat vector w is
 * written into the parameters (rounded to the parameter dtype), gradients come from the exact chunked
 * {@link Grad}, sharpness from warm-started {@link Lanczos} on the exact {@link Hessian}. The optimizer's master
 * copy of w stays in f64 on the host.
 */
public final class ModelObjective implements Objective {
    private final Model model;
    private final Loss loss;
    private final DataSet train;
    private final DataSet test;
    private final int chunk;
    private final double eigTol;
    private final int eigMaxIter;
    private final List<String> names = new ArrayList<>();
    private final List<int[]> shapes = new ArrayList<>();
    private final List<Tensor> owned = new ArrayList<>();
    private double[] current;
    private double[] hostX;
    private double[] hostY;
    private int[] hostIds;

    /**
     * @param chunk      samples per chunk of the full-batch passes (memory only)
     * @param eigTol     Lanczos residual tolerance for sharpness (relative)
     * @param eigMaxIter Lanczos product budget per solve
     * @param test       held-out set or null
     */
    public ModelObjective(Model model, Loss loss, DataSet train, DataSet test, int chunk, double eigTol, int eigMaxIter) {
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
    }

    /** The model's current parameter values as one flat f64 vector. */
    public static double[] flatten(Model model) {
        List<double[]> parts = new ArrayList<>();
        int n = 0;
        for (Param p : model.params()) {
            double[] d = p.value().toDoubles();
            parts.add(d);
            n += d.length;
        }
        double[] out = new double[n];
        int at = 0;
        for (double[] d : parts) {
            System.arraycopy(d, 0, out, at, d.length);
            at += d.length;
        }
        return out;
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

    /** Writes w into the model's parameters (skipped when w equals what was last written). */
    public void load(double[] w) {
        if (current != null && Arrays.equals(current, w)) {
            return;
        }
        int at = 0;
        List<Tensor> fresh = new ArrayList<>();
        for (Param p : model.params()) {
            int n = (int) p.size();
            Tensor v = Tensor.of(p.value().backend(), p.value().dtype(), Arrays.copyOfRange(w, at, at + n), p.shape());
            p.set(v);
            fresh.add(v);
            at += n;
        }
        if (at != w.length) {
            throw new IllegalArgumentException("weights must have " + at + " values for this model; given " + w.length);
        }
        for (Tensor t : owned) {
            t.close();
        }
        owned.clear();
        owned.addAll(fresh);
        current = w.clone();
    }

    @Override
    public double lossAndGradient(double[] w, int[] samples, double[] grad) {
        load(w);
        try (Scope _ = Scope.open()) {
            DataSet d = samples == null ? train : subset(samples);
            Grad g = Grad.of(model, loss, d, Math.min(chunk, d.size()));
            double[] flat = g.grad().flatten().toDoubles();
            System.arraycopy(flat, 0, grad, 0, flat.length);
            return g.loss();
        }
    }

    /**
     * Top-k Hessian eigenpairs by Lanczos from the warm rows (or a random start), through the Hessian linearized at
     * {@code w} (fresh products when its primal values would exceed {@link Linearized#defaultBudget()}).
     */
    @Override
    public Eigen topEigen(double[] w, int k, double[][] warm) {
        load(w);
        try (Scope _ = Scope.open()) {
            Hessian fresh = Hessian.of(model, loss, train, chunk);
            Linearized lin = withinBudget(fresh);
            try {
                return lanczos(lin != null ? lin : fresh, k, warm);
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

    private Eigen lanczos(LinearOperator h, int k, double[][] warm) {
        return lanczos(h, k, warm, eigTol, eigMaxIter);
    }

    /**
     * The k largest eigenpairs of {@code h} by Lanczos (tolerance {@code tol}, at most {@code maxIter} products)
     * started from the warm rows (or a random start): what {@link #topEigen} does on any operator.
     */
    public static Eigen lanczos(LinearOperator h, int k, double[][] warm, double tol, int maxIter) {
        Tensor start = null;
        if (warm != null && warm.length > 0) {
            double[] flat = new double[warm.length * warm[0].length];
            for (int i = 0; i < warm.length; i++) {
                System.arraycopy(warm[i], 0, flat, i * warm[i].length, warm[i].length);
            }
            start = Tensor.of(h.backend(), h.dtype(), flat, warm.length, warm[0].length);
        }
        carnot.engine.spectral.Eigen e = Lanczos.topK(h, k, tol, maxIter, start);
        double[] v = e.vectors().toDoubles();
        int p = h.dim();
        double[][] vecs = new double[e.values().length][];
        for (int i = 0; i < vecs.length; i++) {
            vecs[i] = Arrays.copyOfRange(v, i * p, (i + 1) * p);
        }
        return new Eigen(e.values().clone(), vecs, e.products());
    }

    /**
     * train_acc (classification only), and test_loss, test_acc when a held-out set was given; one forward pass per
     * chunk of each set (the held-out loss and accuracy come from the same outputs).
     */
    @Override
    public Map<String, Double> evaluate(double[] w) {
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

    /** The training samples at {@code idx} as an in-memory data set (host copies are cached on first use). */
    private DataSet subset(int[] idx) {
        try (Scope _ = Scope.open()) {
            if (hostX == null) {
                Tensor x = train.x(0, train.size());
                Tensor y = train.y(0, train.size());
                hostX = x.toDoubles();
                if (y.dtype() == DType.I32) {
                    hostIds = y.toInts();
                } else {
                    hostY = y.toDoubles();
                }
            }
        }
        Tensor x1 = train.x(0, 1);
        Tensor y1 = train.y(0, 1);
        int xr = (int) x1.size();
        int yr = (int) y1.size();
        int[] xs = x1.shape();
        int[] ys = y1.shape();
        xs[0] = idx.length;
        ys[0] = idx.length;
        double[] xd = new double[idx.length * xr];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(hostX, idx[i] * xr, xd, i * xr, xr);
        }
        Tensor xt = Tensor.of(x1.backend(), x1.dtype(), xd, xs);
        Tensor yt;
        if (hostIds != null) {
            int[] yd = new int[idx.length * yr];
            for (int i = 0; i < idx.length; i++) {
                System.arraycopy(hostIds, idx[i] * yr, yd, i * yr, yr);
            }
            yt = Tensor.indices(y1.backend(), yd, ys);
        } else {
            double[] yd = new double[idx.length * yr];
            for (int i = 0; i < idx.length; i++) {
                System.arraycopy(hostY, idx[i] * yr, yd, i * yr, yr);
            }
            yt = Tensor.of(y1.backend(), y1.dtype(), yd, ys);
        }
        return new ArrayDataSet(xt, yt);
    }
}
