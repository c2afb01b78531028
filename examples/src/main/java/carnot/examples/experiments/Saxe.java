package carnot.examples.experiments;

import carnot.engine.ParamVector;
import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.Tensor;
import carnot.science.observe.Matrix;
import carnot.science.plot.LinePlot;
import carnot.science.train.ModelObjective;
import carnot.science.train.TrainConfig;
import carnot.science.train.Trainer;
import carnot.kernels.DType;
import carnot.models.Mlp;
import carnot.models.data.Examples;
import carnot.models.data.Generated;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Saxe dynamics: a deep linear network on whitened inputs (ΣXX = I) with a teacher map M = Σ sᵢ uᵢvᵢᵀ of distinct
 * singular values, trained by gradient flow (RK4) from a small decoupled balanced init (every layer carries each
 * teacher mode with the same strength a, so each mode strength starts at u₀ = aᴸ). Law (Saxe, McClelland and
 * Ganguli 2014, ICLR; see {@link SaxeTheory}; the engine's loss (1/N)Σ½‖f − y‖² gives τ = 1 in flow time):
 * <ul>
 *   <li>depth 2: uᵢ(t) = sᵢ e^{2sᵢt} / (e^{2sᵢt} − 1 + sᵢ/u₀); band max_i max_t |uᵢ(t) − uᵢᵗʰ(t)| / sᵢ ≤ 5 %;</li>
 *   <li>depth L ≥ 3: modes are learned in order of sᵢ, and the half-times t½ᵢ (uᵢ = sᵢ/2) scale as 1/sᵢ:
 *       band max_{i&lt;j} |(t½ᵢ/t½ⱼ) / (sⱼ/sᵢ) − 1| ≤ 10 %.</li>
 * </ul>
 */
public final class Saxe implements Experiment<Saxe.Config> {

    /** Depth-2 band: max |measured − theory| / sᵢ. */
    static final double TRAJECTORY_BAND = 0.05;
    /** Depth ≥ 3 band: relative deviation of t½ᵢ/t½ⱼ from sⱼ/sᵢ. */
    static final double RATIO_BAND = 0.10;

    /**
     * @param dim         input = output dimension d
     * @param hidden      hidden width (≥ number of modes)
     * @param targets     teacher singular values, distinct, descending
     * @param samples     whitened inputs N (≥ d)
     * @param depths      network depths L (number of weight matrices) to run
     * @param u0          initial mode strength per depth (same length as depths)
     * @param hMax        largest RK4 step of the flow
     * @param fraction    RK4 step bound as a fraction of 1/λ_max
     * @param sharpEvery  re-measure λ_max for the step bound every this many steps
     * @param maxSteps    RK4 steps at most
     * @param stopLoss    stop once the loss is below this fraction of the initial loss ½Σsᵢ²
     * @param every       measure the mode strengths every this many steps
     * @param seed        data seed
     */
    public record Config(int dim, int hidden, double[] targets, int samples, int[] depths, double[] u0, double hMax,
                         double fraction, int sharpEvery, long maxSteps, double stopLoss, int every, long seed)
            implements Experiment.Config {

        public Config {
            if (depths.length != u0.length || depths.length == 0) {
                throw new IllegalArgumentException("saxe needs one initial strength u0 per depth; given " + depths.length
                        + " depths and " + u0.length + " u0");
            }
            if (hidden < targets.length) {
                throw new IllegalArgumentException("saxe hidden width must be >= number of modes " + targets.length
                        + "; given " + hidden);
            }
            for (int i = 1; i < targets.length; i++) {
                if (!(targets[i] < targets[i - 1])) {
                    throw new IllegalArgumentException("saxe targets must be distinct and descending; given "
                            + Arrays.toString(targets));
                }
            }
        }

        /** Seconds: d = 6, modes 3, 2, 1, depths 2 and 3. */
        public static Config smoke() {
            return new Config(6, 6, new double[] {3, 2, 1}, 48, new int[] {2, 3}, new double[] {1e-3, 1e-4}, 0.03, 0.5,
                    50, 20_000, 1e-6, 5, 1);
        }

        /** d = 10, modes 4, 3, 2, 1, 0.5, depths 2, 3 and 4. */
        public static Config paper() {
            return new Config(10, 16, new double[] {4, 3, 2, 1, 0.5}, 200, new int[] {2, 3, 4},
                    new double[] {1e-4, 1e-6, 1e-5}, 0.05, 0.5, 50, 400_000, 1e-7, 2, 1);
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dim", dim);
            m.put("hidden", hidden);
            m.put("targets", targets);
            m.put("samples", samples);
            m.put("depths", depths);
            m.put("u0", u0);
            m.put("hMax", hMax);
            m.put("fraction", fraction);
            m.put("sharpEvery", sharpEvery);
            m.put("maxSteps", maxSteps);
            m.put("stopLoss", stopLoss);
            m.put("every", every);
            m.put("seed", seed);
            return m;
        }
    }

    @Override
    public String name() {
        return "saxe";
    }

    @Override
    public String tests() {
        return "deep linear nets from small balanced init: depth-2 sigmoidal mode trajectories and depth>=3 "
                + "learning times proportional to 1/s_i (Saxe, McClelland, Ganguli 2014)";
    }

    @Override
    public Config preset(Preset preset) {
        return preset == Preset.SMOKE ? Config.smoke() : Config.paper();
    }

    @Override
    public Config override(Config b, Overrides o) {
        return new Config(o.getInt("dim", b.dim()), o.getInt("hidden", b.hidden()), o.getDoubles("targets", b.targets()),
                o.getInt("samples", b.samples()), o.getInts("depths", b.depths()), o.getDoubles("u0", b.u0()),
                o.getDouble("hMax", b.hMax()), o.getDouble("fraction", b.fraction()), o.getInt("sharpEvery", b.sharpEvery()),
                o.getLong("maxSteps", b.maxSteps()), o.getDouble("stopLoss", b.stopLoss()), o.getInt("every", b.every()),
                o.getLong("seed", b.seed()));
    }

    /** One depth's measured trajectory: flow times and uᵢ(t) per mode. */
    record Trajectory(int depth, double u0, double[] times, double[][] u, String status) {
    }

    @Override
    public List<Verdict> run(Config c, ExperimentRun run) {
        int r = c.targets().length;
        Examples ex = Generated.whitenedLinear(c.samples(), c.dim(), c.dim(), c.targets(), c.seed());
        DataSet data = new ArrayDataSet(Tensor.of(run.backend(), DType.F64, ex.x().toDoubles(), ex.x().shape()),
                Tensor.of(run.backend(), DType.F64, ex.y().toDoubles(), ex.y().shape()));
        Matrix x = new Matrix(c.samples(), c.dim(), ex.x().toDoubles());
        Matrix y = new Matrix(c.samples(), c.dim(), ex.y().toDoubles());
        Matrix teacher = y.transpose().times(x).scale(1.0 / c.samples()); // M = YᵀX/N
        Matrix[] uv = singularVectors(teacher, r);
        double[] s = new ModeStrengths(1, uv[0], uv[1], List.of()).strengths(teacher);
        run.log().printf(Locale.ROOT, "teacher singular values (U_i^T M V_i): %s%n", Arrays.toString(s));
        List<Verdict> verdicts = new ArrayList<>();
        for (int k = 0; k < c.depths().length; k++) {
            Trajectory tr = train(c, c.depths()[k], c.u0()[k], data, uv, run);
            if (tr.depth() == 2) {
                verdicts.add(depth2(c, tr, run));
            } else {
                verdicts.addAll(deep(c, tr, run));
            }
        }
        return verdicts;
    }

    /** The top r left and right singular vectors of M as columns: [U (dOut x r), V (dIn x r)], from MᵀM. */
    static Matrix[] singularVectors(Matrix m, int r) {
        Matrix.Eigen e = m.transpose().times(m).symmetricEigen();
        double[] u = new double[m.rows() * r];
        double[] v = new double[m.cols() * r];
        for (int i = 0; i < r; i++) {
            double si = Math.sqrt(Math.max(e.values()[i], 0));
            if (!(si > 0)) {
                throw new IllegalArgumentException("teacher map has rank < " + r + " (singular value " + (i + 1) + " is 0)");
            }
            for (int j = 0; j < m.cols(); j++) {
                v[j * r + i] = e.vectors().get(j, i);
            }
            for (int o = 0; o < m.rows(); o++) {
                double d = 0;
                for (int j = 0; j < m.cols(); j++) {
                    d += m.get(o, j) * e.vectors().get(j, i);
                }
                u[o * r + i] = d / si;
            }
        }
        return new Matrix[] {new Matrix(m.rows(), r, u), new Matrix(m.cols(), r, v)};
    }

    /**
     * Decoupled balanced init of strength u₀ per mode: a = u₀^{1/L}, W_1 = a Q Vᵀ, W_l = a Q Qᵀ, W_L = a U Qᵀ with Q
     * the first r coordinate vectors of the hidden space; then W_{l+1}ᵀW_{l+1} = W_l W_lᵀ and Uᵢᵀ W Vᵢ = u₀.
     */
    static List<Matrix> balancedInit(int depth, int hidden, Matrix u, Matrix v, double u0) {
        double a = Math.pow(u0, 1.0 / depth);
        int r = u.cols();
        List<Matrix> ws = new ArrayList<>();
        for (int l = 0; l < depth; l++) {
            int rows = l == depth - 1 ? u.rows() : hidden;
            int cols = l == 0 ? v.rows() : hidden;
            double[] d = new double[rows * cols];
            for (int i = 0; i < r; i++) {
                if (l == 0) {
                    for (int j = 0; j < cols; j++) {
                        d[i * cols + j] = a * v.get(j, i);
                    }
                } else if (l == depth - 1) {
                    for (int o = 0; o < rows; o++) {
                        d[o * cols + i] = a * u.get(o, i);
                    }
                } else {
                    d[i * cols + i] = a;
                }
            }
            ws.add(new Matrix(rows, cols, d));
        }
        return ws;
    }

    private static Trajectory train(Config c, int depth, double u0, DataSet data, Matrix[] uv, ExperimentRun run) {
        int[] widths = new int[depth + 1];
        Arrays.fill(widths, c.hidden());
        widths[0] = c.dim();
        widths[depth] = c.dim();
        Mlp model = Mlp.deepLinear(run.backend(), DType.F64, widths, c.seed());
        ModelObjective obj = new ModelObjective(model, Loss.MSE, data, null, data.size(), 1e-6, 100);
        double[] w0 = FlatMatrices.flatten(balancedInit(depth, c.hidden(), uv[0], uv[1], u0), obj.shapes());
        double initialLoss = 0;
        for (double t : c.targets()) {
            initialLoss += 0.5 * t * t;
        }
        TrainConfig cfg = TrainConfig.gd(c.hMax(), c.maxSteps()).withFlow(c.fraction(), c.sharpEvery())
                .withStopLoss(c.stopLoss() * initialLoss);
        int r = c.targets().length;
        List<double[]> rows = new ArrayList<>();
        long t0 = System.nanoTime();
        Trainer.Result res = new Trainer(obj, cfg, List.of(new ModeStrengths(c.every(), uv[0], uv[1], obj.shapes())), null,
                rec -> {
                    if (rec.containsKey("u_1")) {
                        double[] row = new double[r + 1];
                        row[0] = ((Number) rec.get("flow_time")).doubleValue();
                        for (int i = 0; i < r; i++) {
                            row[i + 1] = (Double) rec.get("u_" + (i + 1));
                        }
                        rows.add(row);
                    }
                }).run(ParamVector.fromHost(obj.backend(), obj.dtype(), w0, obj.shapes()), null, null);
        double[] times = new double[rows.size()];
        double[][] u = new double[r][rows.size()];
        for (int k = 0; k < rows.size(); k++) {
            times[k] = rows.get(k)[0];
            for (int i = 0; i < r; i++) {
                u[i][k] = rows.get(k)[i + 1];
            }
        }
        run.log().printf(Locale.ROOT, "depth %d, u0 %.3g: %s after %d RK4 steps, flow time %.4g, %.1f s%n", depth, u0,
                res.status(), res.steps(), times[times.length - 1], (System.nanoTime() - t0) * 1e-9);
        return new Trajectory(depth, u0, times, u, res.status().toString());
    }

    private static Verdict depth2(Config c, Trajectory tr, ExperimentRun run) {
        double worst = 0;
        LinePlot p = LinePlot.titled("Saxe depth 2: mode strengths vs the closed-form sigmoid").xLabel("flow time t")
                .yLabel("mode strength u_i");
        double[] grid = grid(tr.times());
        for (int i = 0; i < c.targets().length; i++) {
            double si = c.targets()[i];
            double modeWorst = 0;
            for (int k = 0; k < tr.times().length; k++) {
                double th = SaxeTheory.depth2(si, tr.u0(), tr.times()[k]);
                modeWorst = Math.max(modeWorst, Math.abs(tr.u()[i][k] - th) / si);
            }
            double[] th = new double[grid.length];
            for (int k = 0; k < grid.length; k++) {
                th[k] = SaxeTheory.depth2(si, tr.u0(), grid[k]);
            }
            worst = Math.max(worst, modeWorst);
            run.log().printf(Locale.ROOT, "depth 2 mode %d: s=%.4g, max |u - theory|/s = %.3e, t_half measured %.4f, "
                            + "theory %.4f%n", i + 1, si, modeWorst, SaxeTheory.crossing(tr.times(), tr.u()[i], si / 2),
                    Math.log(si / tr.u0() - 1) / (2 * si));
            p.series(String.format(Locale.ROOT, "measured s=%.3g", si), tr.times(), tr.u()[i]);
            p.series(String.format(Locale.ROOT, "theory s=%.3g", si), grid, th);
        }
        for (int k = 0; k < tr.times().length; k++) {
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("depth", 2);
            rec.put("t", tr.times()[k]);
            for (int i = 0; i < c.targets().length; i++) {
                rec.put("u_" + (i + 1), tr.u()[i][k]);
                rec.put("theory_" + (i + 1), SaxeTheory.depth2(c.targets()[i], tr.u0(), tr.times()[k]));
            }
            run.record(rec);
        }
        run.plot("saxe-depth2.png", p);
        return Verdict.of("depth2-trajectory", "max_i max_t |u_i(t) - u_i^theory(t)| / s_i", worst, 0, 0, TRAJECTORY_BAND);
    }

    /** 401 equally spaced times from 0 to the last measured time (the theory curves of the plots). */
    private static double[] grid(double[] times) {
        double[] g = new double[401];
        for (int k = 0; k < g.length; k++) {
            g[k] = times[times.length - 1] * k / (g.length - 1);
        }
        return g;
    }

    private static List<Verdict> deep(Config c, Trajectory tr, ExperimentRun run) {
        int r = c.targets().length;
        int depth = tr.depth();
        double[] half = new double[r];
        LinePlot p = LinePlot.titled("Saxe depth " + depth + ": mode strengths vs the mode equation du/dt = L u^(2-2/L)(s-u)")
                .xLabel("flow time t").yLabel("mode strength u_i");
        for (int i = 0; i < r; i++) {
            double si = c.targets()[i];
            half[i] = SaxeTheory.crossing(tr.times(), tr.u()[i], si / 2);
            double[] grid = grid(tr.times());
            double[] th = SaxeTheory.trajectory(depth, si, tr.u0(), grid, 1e-3);
            run.log().printf(Locale.ROOT, "depth %d mode %d: s=%.4g, t_half measured %.5g, exact integral %.5g, "
                            + "leading u0^-(1-2/L)/((L-2)s) %.5g%n", depth, i + 1, si, half[i],
                    SaxeTheory.halfTime(depth, si, tr.u0()), SaxeTheory.halfTimeLeading(depth, si, tr.u0()));
            p.series(String.format(Locale.ROOT, "measured s=%.3g", si), tr.times(), tr.u()[i]);
            p.series(String.format(Locale.ROOT, "theory s=%.3g", si), grid, th);
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("depth", depth);
            rec.put("mode", i + 1);
            rec.put("s", si);
            rec.put("t_half", half[i]);
            rec.put("t_half_theory", SaxeTheory.halfTime(depth, si, tr.u0()));
            run.record(rec);
        }
        run.plot("saxe-depth" + depth + ".png", p);
        boolean ordered = true;
        double worst = 0;
        for (int i = 0; i < r; i++) {
            for (int j = i + 1; j < r; j++) {
                ordered &= half[i] < half[j];
                double dev = Math.abs((half[i] / half[j]) / (c.targets()[j] / c.targets()[i]) - 1);
                worst = Double.isNaN(dev) ? Double.NaN : Math.max(worst, dev);
            }
        }
        return List.of(
                Verdict.holds("depth" + depth + "-order", "t_half_i increasing as s_i decreases (sequential learning)",
                        ordered),
                Verdict.of("depth" + depth + "-time-ratio", "max_{i<j} |(t_half_i/t_half_j)/(s_j/s_i) - 1|", worst, 0, 0,
                        RATIO_BAND));
    }
}
