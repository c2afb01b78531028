package carnot.science.train;

import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.ParamVector;
import carnot.engine.Scope;
import carnot.engine.SharpnessGradient;
import carnot.engine.Tensor;

/**
 * The central flow of gradient descent with step η (Cohen, Damian, Talwalkar, Kolter and Lee, ICLR 2025,
 * "Understanding optimization in deep learning with central flows"), top-eigenvalue case: the ODE, in time
 * t = η·(GD steps),
 * <pre>
 *   dw/dt = −(∇L(w) + ½ σ²(t) ∇S(w)),   S(w) = λ_max(∇²L(w)),   ∇S = ∇_w(uᵀH(w)u) for the unit top eigenvector u,
 * </pre>
 * with σ² ≥ 0 the smallest value that keeps S ≤ 2/η. Along the flow {@code dS/dt = −⟨∇S, ∇L⟩ − ½σ²‖∇S‖²}; on the
 * boundary S = 2/η, holding dS/dt = 0 gives {@code σ² = max(0, −2⟨∇S, ∇L⟩/‖∇S‖²)}; below it σ² = 0 (gradient flow).
 * The paper's general case (several eigenvalues at 2/η) is a complementarity problem for a matrix Σ; this class
 * implements the one-eigenvalue case only.
 *
 * <p>Integration (explicit Euler, step dt): at w_k with S_k the step takes the smallest σ² ≥ 0 for which the
 * linearized sharpness after the step, {@code S_k + dt·dS/dt}, does not exceed 2/η:
 * <pre>
 *   σ²_k = max(0, 2 (−⟨∇S, ∇L⟩ − (2/η − S_k)/dt) / ‖∇S‖²),   w_{k+1} = w_k − dt (∇L + ½ σ²_k ∇S).
 * </pre>
 * On the boundary (S_k = 2/η) this is the formula above; a drift above 2/η from the linearization is pulled back
 * in one step. ∇S (third order, {@link SharpnessGradient}) is computed only when S_k ≥ 0.9·2/η; below that σ² = 0.
 * dt must be small against 1/S (dt ≤ η/2 keeps Euler's own gradient-flow part stable at S = 2/η).
 *
 * <p>The flow also predicts GD's time-averaged loss: {@code L(w) + ½σ² S(w)} (the oscillation of GD along u with
 * mean square amplitude σ² adds ½σ²·uᵀHu on average).
 */
public final class CentralFlow {
    /** ∇S is computed from this fraction of 2/η on. */
    public static final double ACTIVE_FROM = 0.9;

    private final Model model;
    private final Loss loss;
    private final DataSet data;
    private final int chunk;
    private final double lr;
    private final double dt;
    private final ModelObjective objective;
    private Tensor warm;
    private double time;

    /**
     * One point of the flow, before the step taken from it.
     *
     * @param time          flow time t (GD step t/η)
     * @param loss          L(w)
     * @param sharpness     S(w) = λ_max
     * @param sigma2        σ² used for the step (0 when the constraint is inactive)
     * @param predictedLoss the predicted time-averaged GD loss L + ½σ²S
     * @param gradNorm      ‖∇L‖
     * @param hvps          Hessian-vector products of the eigen-solve
     */
    public record Point(double time, double loss, double sharpness, double sigma2, double predictedLoss, double gradNorm,
                        int hvps) {
    }

    /**
     * @param chunk      samples per chunk (memory only)
     * @param lr         the GD step η whose central flow this is (threshold 2/η)
     * @param dt         Euler step in flow time (≤ η/2)
     * @param eigTol     Lanczos tolerance for S
     * @param eigMaxIter Lanczos product budget per solve
     */
    public CentralFlow(Model model, Loss loss, DataSet data, int chunk, double lr, double dt, double eigTol, int eigMaxIter) {
        if (!(lr > 0) || !(dt > 0) || dt > lr / 2) {
            throw new IllegalArgumentException("central flow needs lr > 0 and 0 < dt <= lr/2; given lr=" + lr + " dt=" + dt);
        }
        this.model = model;
        this.loss = loss;
        this.data = data;
        this.chunk = Math.min(chunk, data.size());
        this.lr = lr;
        this.dt = dt;
        this.objective = new ModelObjective(model, loss, data, null, this.chunk, eigTol, eigMaxIter);
    }

    /** Flow time so far. */
    public double time() {
        return time;
    }

    /** The threshold 2/η. */
    public double threshold() {
        return 2 / lr;
    }

    /**
     * The point at w and one Euler step from it: w is updated in place on its backend, the time advances by dt (the
     * host receives the loss, S and three dot products).
     */
    public Point step(ParamVector w) {
        Objective.Eigen e = objective.topEigen(w, 1, warm);
        if (warm != null) {
            warm.close();
        }
        warm = e.vectors();
        double s = e.values()[0];
        double thr = threshold();
        try (Scope _ = Scope.open()) {
            ParamVector g;
            ParamVector gs = null;
            double l;
            if (s < ACTIVE_FROM * thr) {
                g = ParamVector.zeros(w.backend(), w.dtype(), w.shapes());
                l = objective.lossAndGradient(w, null, g);
            } else {
                objective.load(w);
                Tensor v0 = model.params().getFirst().value();
                ParamVector u = ParamVector.unflatten(model, warm.reshape(-1).to(v0.dtype()));
                SharpnessGradient.Result r = SharpnessGradient.of(model, loss, data, chunk, u);
                l = r.loss();
                g = r.grad().to(w.dtype());
                gs = r.gradS().to(w.dtype());
            }
            double sigma2 = 0;
            if (gs != null) {
                double gl = gs.dot(g);
                double nn = gs.dot(gs);
                sigma2 = nn > 0 ? Math.max(0, 2 * (-gl - (thr - s) / dt) / nn) : 0;
            }
            Point pt = new Point(time, l, s, sigma2, l + 0.5 * sigma2 * s, g.norm(), e.hvps());
            if (sigma2 != 0) {
                g.addScaled(0.5 * sigma2, gs);
            }
            w.addScaled(-dt, g);
            time += dt;
            return pt;
        }
    }
}
