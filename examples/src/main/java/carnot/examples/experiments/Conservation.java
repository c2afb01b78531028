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
import carnot.models.Activation;
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
 * Conservation laws of gradient flow (Du, Hu and Lee 2018, NeurIPS; Kunin et al. 2021, ICLR): for a bias-free
 * network whose layers are linear, D_l = W_{l+1}ᵀW_{l+1} − W_l W_lᵀ is constant under gradient flow; for a
 * bias-free ReLU network (positively homogeneous per neuron) the per-neuron c_j = ‖W_{l+1}[:, j]‖² − ‖W_l[j, :]‖²
 * is ({@link carnot.science.observe.Conservation}). A GD step of size η changes them by exactly η² (G_{l+1}ᵀG_{l+1}
 * − G_l G_lᵀ) (resp. η²(‖g_out‖² − ‖g_in‖²)) since the first-order terms cancel, so after a fixed training time
 * T = η·steps the drift is ≈ η ∫ (…) dt ∝ η. Relative drift: linear max_l ‖D_l(T) − D_l(0)‖_F / (‖W_{l+1}ᵀW_{l+1}‖_F
 * + ‖W_lW_lᵀ‖_F)(0); ReLU max_l ‖c_l(T) − c_l(0)‖₂ / ‖(‖W_{l+1}[:, j]‖² + ‖W_l[j, :]‖²)_j‖₂(0). Bands: drift ≤ 1e-3
 * under RK4 flow to time T; under GD at the same T the fitted log–log slope of drift against η in [0.85, 1.15].
 */
public final class Conservation implements Experiment<Conservation.Config> {

    /** Largest relative drift under RK4 gradient flow. */
    static final double FLOW_BAND = 1e-3;
    /** Predicted slope of log drift against log η under GD. */
    static final double SLOPE = 1.0;
    /** Half-width of the slope band. */
    static final double SLOPE_TOL = 0.15;

    /**
     * @param widths   layer widths d_0..d_L of both networks (bias-free)
     * @param samples  teacher-student samples
     * @param time     training time T (flow time; GD runs T/η steps)
     * @param etas     GD step sizes, ascending
     * @param hMax     largest RK4 step of the flow
     * @param fraction RK4 step bound as a fraction of 1/λ_max
     * @param seed     data and init seed
     */
    public record Config(int[] widths, int samples, double time, double[] etas, double hMax, double fraction, long seed)
            implements Experiment.Config {

        public Config {
            if (widths.length < 3 || etas.length < 2) {
                throw new IllegalArgumentException("conservation needs >= 2 weight matrices and >= 2 step sizes; given widths "
                        + Arrays.toString(widths) + ", etas " + Arrays.toString(etas));
            }
        }

        /** Seconds: 6→16→16→2, T = 2. */
        public static Config smoke() {
            return new Config(new int[] {6, 16, 16, 2}, 64, 2, new double[] {0.005, 0.01, 0.02, 0.04}, 0.02, 0.5, 1);
        }

        /** 10→64→64→64→4, T = 5, η over 1.5 decades (largest η·λ_max: 1.5 linear, 0.7 ReLU). */
        public static Config paper() {
            return new Config(new int[] {10, 64, 64, 64, 4}, 256, 5, new double[] {0.00125, 0.0025, 0.005, 0.01, 0.02,
                0.04}, 0.01, 0.5, 1);
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("widths", widths);
            m.put("samples", samples);
            m.put("time", time);
            m.put("etas", etas);
            m.put("hMax", hMax);
            m.put("fraction", fraction);
            m.put("seed", seed);
            return m;
        }
    }

    @Override
    public String name() {
        return "conservation";
    }

    @Override
    public String tests() {
        return "balancedness W_{l+1}^T W_{l+1} - W_l W_l^T (linear) and per-neuron |w_out|^2 - |w_in|^2 (ReLU) conserved by "
                + "gradient flow, drift ~ eta under GD (Du, Hu, Lee 2018; Kunin et al. 2021)";
    }

    @Override
    public Config preset(Preset preset) {
        return preset == Preset.SMOKE ? Config.smoke() : Config.paper();
    }

    @Override
    public Config override(Config b, Overrides o) {
        return new Config(o.getInts("widths", b.widths()), o.getInt("samples", b.samples()), o.getDouble("time", b.time()),
                o.getDoubles("etas", b.etas()), o.getDouble("hMax", b.hMax()), o.getDouble("fraction", b.fraction()),
                o.getLong("seed", b.seed()));
    }

    /** Relative drift of the linear law: max_l ‖D_l(w) − D_l(w₀)‖_F / (‖W_{l+1}ᵀW_{l+1}‖_F + ‖W_lW_lᵀ‖_F) at w₀. */
    static double linearDrift(List<Matrix> now, List<Matrix> then) {
        double[] r = carnot.science.observe.Conservation.residuals(now, then);
        double worst = 0;
        for (int l = 0; l < r.length; l++) {
            Matrix a = then.get(l);
            Matrix b = then.get(l + 1);
            double scale = b.transpose().times(b).norm() + a.times(a.transpose()).norm();
            worst = Math.max(worst, r[l] / scale);
        }
        return worst;
    }

    /** Relative drift of the per-neuron law: max_l ‖c_l(w) − c_l(w₀)‖₂ / ‖(‖w_out,j‖² + ‖w_in,j‖²)_j‖₂ at w₀. */
    static double neuronDrift(List<Matrix> now, List<Matrix> then) {
        double worst = 0;
        for (int l = 0; l + 1 < now.size(); l++) {
            double[] c = carnot.science.observe.Conservation.neuronImbalance(now.get(l), now.get(l + 1));
            double[] c0 = carnot.science.observe.Conservation.neuronImbalance(then.get(l), then.get(l + 1));
            Matrix a = then.get(l);
            Matrix b = then.get(l + 1);
            double num = 0;
            double den = 0;
            for (int j = 0; j < c.length; j++) {
                num += (c[j] - c0[j]) * (c[j] - c0[j]);
                double in = 0;
                for (int k = 0; k < a.cols(); k++) {
                    in += a.get(j, k) * a.get(j, k);
                }
                double out = 0;
                for (int i = 0; i < b.rows(); i++) {
                    out += b.get(i, j) * b.get(i, j);
                }
                den += (in + out) * (in + out);
            }
            worst = Math.max(worst, Math.sqrt(num / den));
        }
        return worst;
    }

    @Override
    public List<Verdict> run(Config c, ExperimentRun run) {
        int[] w = c.widths();
        Examples ex = Generated.teacherStudent(c.samples(), new int[] {w[0], 8, w[w.length - 1]}, "tanh", 0.0, c.seed());
        DataSet data = new ArrayDataSet(Tensor.of(run.backend(), DType.F64, ex.x().toDoubles(), ex.x().shape()),
                Tensor.of(run.backend(), DType.F64, ex.y().toDoubles(), ex.y().shape()));
        List<Verdict> verdicts = new ArrayList<>();
        LinePlot p = LinePlot.titled("Conservation: drift at training time T = " + c.time() + " vs GD step").logX().logY()
                .xLabel("GD step eta").yLabel("relative drift");
        for (Activation act : new Activation[] {Activation.LINEAR, Activation.RELU}) {
            String label = act == Activation.LINEAR ? "linear" : "relu";
            double flow = drift(c, act, data, run, -1);
            run.log().printf(Locale.ROOT, "%s: largest eta * lambda_max (lambda_max the top Hessian eigenvalue at init and at "
                    + "the end of the flow) = %.4g%n", label, c.etas()[c.etas().length - 1] * sharpness[0]);
            double[] gd = new double[c.etas().length];
            for (int i = 0; i < gd.length; i++) {
                gd[i] = drift(c, act, data, run, c.etas()[i]);
            }
            Fits.Fit fit = Ntk.fitOrNaN(c.etas(), gd);
            run.log().printf(Locale.ROOT, "%s: flow drift %.3e; GD drift ~ eta^%.4f (R^2 %.4f)%n", label, flow, fit.slope(),
                    fit.r2());
            double[] theory = new double[gd.length];
            double[] flowLine = new double[gd.length];
            for (int i = 0; i < gd.length; i++) {
                theory[i] = gd[0] * c.etas()[i] / c.etas()[0];
                flowLine[i] = flow;
            }
            p.series(label + " GD", c.etas(), gd)
                    .series(label + " theory slope 1", c.etas(), theory)
                    .series(label + " RK4 flow", c.etas(), flowLine);
            verdicts.add(Verdict.of(label + "-flow", "relative drift of the " + (act == Activation.LINEAR
                    ? "balancedness W_{l+1}^T W_{l+1} - W_l W_l^T" : "per-neuron |w_out|^2 - |w_in|^2")
                    + " under RK4 flow to T = " + c.time(), flow, 0, 0, FLOW_BAND));
            verdicts.add(Verdict.of(label + "-gd-slope", String.format(Locale.ROOT, "log-log slope of the GD drift at T = %s "
                    + "vs eta (R^2 %.3f)", c.time(), fit.r2()), fit.slope(), SLOPE, SLOPE - SLOPE_TOL, SLOPE + SLOPE_TOL));
        }
        run.plot("conservation.png", p);
        return verdicts;
    }

    /**
     * The relative drift after training to time T: RK4 flow when {@code eta} &lt; 0 (then also sets {@code sharpness[0]}
     * to the larger top Hessian eigenvalue of the start and the end), else GD with step η.
     */
    private final double[] sharpness = new double[1];

    private double drift(Config c, Activation act, DataSet data, ExperimentRun run, double eta) {
        long t0 = System.nanoTime();
        Mlp model = new Mlp(run.backend(), DType.F64, c.widths(), act, false, c.seed());
        ModelObjective obj = new ModelObjective(model, Loss.MSE, data, null, data.size(), 1e-6, 100);
        boolean flow = eta < 0;
        TrainConfig cfg = flow
                ? TrainConfig.gd(c.hMax(), Math.round(c.time() / c.hMax())).withFlow(c.fraction(), 20)
                : TrainConfig.gd(eta, Math.round(c.time() / eta));
        ParamVector w0 = ModelObjective.flatten(model);
        double[] time = {0};
        double[] first = {Double.NaN};
        Trainer.Result res = new Trainer(obj, cfg, List.of(), null, rec -> {
            if (Double.isNaN(first[0])) {
                first[0] = (Double) rec.get("loss");
            }
            if (rec.containsKey("flow_time")) {
                time[0] = ((Number) rec.get("flow_time")).doubleValue();
            }
        }).run(w0, null, null);
        if (flow) {
            sharpness[0] = Math.max(obj.topEigen(w0, 1, null).values()[0], obj.topEigen(res.w(), 1, null).values()[0]);
        }
        List<Matrix> now = FlatMatrices.of(res.w().toDoubles(), obj.shapes());
        List<Matrix> then = FlatMatrices.of(w0.toDoubles(), obj.shapes());
        double d = act == Activation.LINEAR ? linearDrift(now, then) : neuronDrift(now, then);
        double t = flow ? time[0] : eta * res.steps();
        double sec = (System.nanoTime() - t0) * 1e-9;
        run.log().printf(Locale.ROOT, "%-6s %-4s eta=%-8s steps=%6d time=%.4g loss %.5g -> %.5g drift=%.4e (%s, %.1f s)%n",
                act == Activation.LINEAR ? "linear" : "relu", flow ? "flow" : "gd", flow ? "-" : String.valueOf(eta),
                res.steps(), t, first[0], res.loss(), d, res.status(), sec);
        run.log().flush();
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("net", act == Activation.LINEAR ? "linear" : "relu");
        rec.put("method", flow ? "flow" : "gd");
        rec.put("eta", flow ? Double.NaN : eta);
        rec.put("steps", res.steps());
        rec.put("time", t);
        rec.put("loss0", first[0]);
        rec.put("loss", res.loss());
        rec.put("drift", d);
        run.record(rec);
        return d;
    }
}
