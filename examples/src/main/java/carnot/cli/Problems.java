package carnot.cli;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.Tensor;
import carnot.engine.io.NdArray;
import carnot.engine.io.Npz;
import carnot.kernels.Backend;
import carnot.kernels.BackendSelector;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;
import carnot.models.Transformer;
import carnot.models.Weights;
import carnot.models.data.Catalog;
import carnot.models.data.Examples;
import carnot.models.data.RealData;
import java.io.PrintStream;
import java.util.Arrays;
import java.nio.file.Path;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Builds what a command computes on from a validated {@link ModelConfig}: the backend, the model (weights from
 * {@code --weights} or the seed), the data set ({@code --data} or {@code --dataset}) and the loss. Shared by every
 * command that takes {@link ModelOptions}.
 *
 * <p>Data conventions: mlp/linear take x [n, d0] (higher ranks are flattened per example) and, for mse, float y
 * [n, dL] (a rank-1 y is read as [n, 1]; integer class ids are one-hot encoded to dL columns), for ce integer class
 * ids y [n]. The transformer takes integer token ids x [n, t] and y [n] (one target per sequence: the model returns
 * the last position's logits) or y [n, t] (a target per position). Data are converted to the model's dtype.
 *
 * <p>Tensors (weights, data) are allocated in the current {@link carnot.engine.Scope}, if any: build outside a scope,
 * or in one that outlives the use of the problem.
 */
public final class Problems {
    /** The help line of every command that takes a transformer's data: how the shape of y picks the loss. */
    public static final String TRANSFORMER_TARGETS = "For --model transformer the shape of y picks the loss: y [B]"
            + " is the cross-entropy of the last position's next token only (the model returns the last position's"
            + " logits), y [B, t] that of every position.";

    /**
     * Everything a model command needs.
     *
     * @param config  the configuration it was built from
     * @param backend the compute backend
     * @param model   the model with its weights set
     * @param data    the data set on the backend
     * @param loss    the loss
     * @param chunk   examples per chunk for full-batch passes (≥ 1)
     */
    public record Problem(ModelConfig config, Backend backend, Model model, DataSet data, Loss loss, int chunk) {
    }

    private Problems() {
    }

    /** The backend named by the config; a fallback reason (e.g. "auto" without a GPU) is printed to {@code log}. */
    public static Backend backend(ModelConfig c, PrintStream log) {
        BackendSelector.Selection s = BackendSelector.select(c.backend());
        if (s.reason() != null) {
            log.println("carnot: " + s.reason());
        }
        return s.backend();
    }

    /** The model alone (no data), for {@code info}; a transformer returns logits at every position. */
    public static Model model(ModelConfig c, Backend backend) {
        return model(c, backend, false);
    }

    private static Model model(ModelConfig c, Backend backend, boolean lastOnly) {
        DType dtype = c.dtype();
        Model m = switch (c.model()) {
            case MLP -> new Mlp(backend, dtype, c.widths(), c.act(), c.bias(), c.seed());
            case LINEAR -> Mlp.deepLinear(backend, dtype, c.widths(), c.seed());
            case TRANSFORMER -> new Transformer(backend, dtype, new Transformer.Config(c.vocab(), c.ctx(), c.dModel(),
                    c.heads(), c.layers(), c.mlpRatio()), lastOnly, c.seed());
        };
        if (c.weights() != null) {
            var v = Weights.fromArrays(m, readInput(c.weights(), "weights", c.allowNonfinite()),
                    "weights file " + c.weights());
            for (int i = 0; i < m.params().size(); i++) {
                m.params().get(i).set(v.get(i));
            }
        }
        return m;
    }

    /**
     * The arrays of an input npz ({@code role}: weights, data, vector, …); unless {@code allowNonfinite}, an array
     * holding NaN or ±Inf is refused naming the file, the array and the first such index.
     */
    public static SequencedMap<String, NdArray> readInput(Path file, String role, boolean allowNonfinite) {
        SequencedMap<String, NdArray> a = Npz.read(file);
        if (!allowNonfinite) {
            try {
                Npz.requireFinite(a, role + " file " + file);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage() + " (--allow-nonfinite accepts them)", e);
            }
        }
        return a;
    }

    /** Backend, model, data and loss; fails naming the flag or file when something does not fit. */
    public static Problem build(ModelConfig c, PrintStream log) {
        Examples ex = examples(c, log);
        Backend backend = backend(c, log);
        boolean lastOnly = c.model() == ModelConfig.Arch.TRANSFORMER && ex.y().rank() == 1;
        Model m = model(c, backend, lastOnly);
        DataSet data = dataSet(c, backend, ex);
        Loss loss = c.loss();
        int chunk = c.chunk() == 0 ? data.size() : Math.min(c.chunk(), data.size());
        return new Problem(c, backend, m, data, loss, chunk);
    }

    /**
     * The examples from --data or --dataset (host arrays, not yet checked against the model), subset to
     * {@code --samples} by {@code --subset} and standardized when {@code --standardize}.
     */
    public static Examples examples(ModelConfig c, PrintStream log) {
        Examples ex = rawExamples(c, log);
        if (c.data() != null && c.samples() > 0) {
            if (c.samples() > ex.size()) {
                throw new IllegalArgumentException("--samples " + c.samples() + " exceeds the " + ex.size()
                        + " examples of data file " + c.data());
            }
            ex = ex.pick(c.subset(), c.samples(), c.seed());
        }
        return c.standardize() ? ex.standardized() : ex;
    }

    private static Examples rawExamples(ModelConfig c, PrintStream log) {
        if (c.data() != null) {
            Map<String, NdArray> a = readInput(c.data(), "data", c.allowNonfinite());
            return new Examples(Npz.require(a, "x", c.data()), Npz.require(a, "y", c.data()));
        }
        if (c.dataset() != null) {
            boolean tf = c.model() == ModelConfig.Arch.TRANSFORMER;
            int[] w = c.widths();
            return Catalog.load(c.dataset(), new Catalog.Request(c.samples(), tf ? 0 : w[0], tf ? 0 : w[w.length - 1],
                    tf ? c.ctx() : 0, tf ? c.vocab() : 0, c.seed(), RealData.defaultCache(), log, c.subset()));
        }
        throw new FlagException("this command needs data: give --data D.npz (arrays x, y) or --dataset NAME"
                + " (see 'carnot data list')");
    }

    private static DataSet dataSet(ModelConfig c, Backend backend, Examples ex) {
        DType dtype = c.dtype();
        NdArray x = ex.x();
        NdArray y = ex.y();
        int n = ex.size();
        String src = c.data() != null ? "data file " + c.data() : "dataset " + c.dataset();
        if (n == 0) {
            throw new IllegalArgumentException(src + " has no examples");
        }
        boolean ce = c.loss() == Loss.CE;
        if (c.model() == ModelConfig.Arch.TRANSFORMER) {
            if (x.rank() != 2 || x.shape()[1] > c.ctx()) {
                throw new IllegalArgumentException(src + ": transformer x must be token ids [n, t] with t <= --ctx "
                        + c.ctx() + "; given " + x);
            }
            int[] ids = checkIds(x.toInts(), c.vocab(), src + " x");
            Tensor xt = Tensor.indices(backend, ids, x.shape());
            if (!(y.rank() == 1 || (y.rank() == 2 && y.shape()[1] == x.shape()[1]))) {
                throw new IllegalArgumentException(src + ": transformer y must be token ids [n] (last position) or [n, "
                        + x.shape()[1] + "] (every position); given " + y);
            }
            Tensor yt = Tensor.indices(backend, checkIds(y.toInts(), c.vocab(), src + " y"), y.shape());
            return new ArrayDataSet(xt, yt);
        }
        int[] w = c.widths();
        int d0 = w[0];
        int dl = w[w.length - 1];
        if (x.size() != (long) n * d0) {
            throw new IllegalArgumentException(src + ": x must have " + d0 + " features per example (--widths starts with "
                    + d0 + "); given " + x);
        }
        Tensor xt = Tensor.of(backend, dtype, x.toDoubles(), n, d0);
        Tensor yt;
        if (ce) {
            if (y.rank() != 1) {
                throw new IllegalArgumentException(src + ": --loss ce needs integer class ids y [n]; given " + y);
            }
            yt = Tensor.indices(backend, checkIds(y.toInts(), dl, src + " y"), n);
        } else if (!y.dtype().isFloating() && y.rank() == 1) {
            yt = Tensor.of(backend, dtype, ex.oneHot(dl).y().toDoubles(), n, dl);
        } else {
            if (y.size() != (long) n * dl) {
                throw new IllegalArgumentException(src + ": --loss mse needs y [n, " + dl + "] (--widths ends with " + dl
                        + "); given " + y);
            }
            yt = Tensor.of(backend, dtype, y.toDoubles(), n, dl);
        }
        return new ArrayDataSet(xt, yt);
    }

    private static int[] checkIds(int[] ids, int range, String what) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= range) {
                throw new IllegalArgumentException(what + " must hold ids in [0, " + range + "); element " + i + " is "
                        + ids[i]);
            }
        }
        return ids;
    }

    /** Shape as text, e.g. {@code [3, 4]}. */
    static String shape(int[] s) {
        return Arrays.toString(s);
    }
}
