package carnot.science.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.ParamVector;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Update rules of every optimizer against hand-computed steps, schedules and RK4 against closed forms. The vectors
 * live on the reference backend; {@code OptimizerBackendsTest} checks the other backends against it.
 */
class OptimizerRulesTest {
    private static final Optimizer.Hyper H = new Optimizer.Hyper(0.5, 0.9, 0.999, 1e-8, 0);
    private static final Backend BE = new RefBackend();

    @AfterAll
    static void close() {
        BE.close();
    }

    /** An f64 vector of one parameter holding {@code a}. */
    static ParamVector v(double... a) {
        return ParamVector.fromHost(BE, DType.F64, a, List.of(new int[] {a.length}));
    }

    /** One step on the backend from host arrays: w is uploaded, stepped with g, and downloaded back into w. */
    static void step(Optimizer o, double[] w, double[] g, double lr) {
        try (ParamVector pw = v(w); ParamVector pg = v(g)) {
            o.step(pw, pg, lr);
            System.arraycopy(pw.toDoubles(), 0, w, 0, w.length);
        }
    }

    /** A zero vector laid out for n coordinates. */
    static ParamVector like(int n) {
        return v(new double[n]);
    }

    /** GD on L = λw²/2 gives w_t = (1 − ηλ)^t w₀: converges for η &lt; 2/λ, diverges for η &gt; 2/λ. */
    @Test
    void gdOnQuadraticFollowsClosedForm() {
        double lambda = 4;
        for (double eta : new double[] {0.45, 0.55}) {
            Optimizer gd = Optimizer.create(Optimizer.Kind.GD, like(1), H, null);
            double[] w = {1};
            for (int t = 0; t < 200; t++) {
                step(gd, w, new double[] {lambda * w[0]}, eta);
            }
            assertEquals(Math.pow(1 - eta * lambda, 200), w[0], 1e-12 * Math.max(1, Math.abs(w[0])));
            assertTrue(eta < 2 / lambda ? Math.abs(w[0]) < 1e-6 : Math.abs(w[0]) > 10);
        }
    }

    /** Heavy ball: v₁ = g₁, w₁ = w₀ − ηv₁; v₂ = μv₁ + g₂ (PyTorch convention); lr multipliers scale per coordinate. */
    @Test
    void heavyBallAndNesterovTwoSteps() {
        Optimizer hb = Optimizer.create(Optimizer.Kind.MOMENTUM, like(2), H, v(1, 2));
        double[] w = {1, 1};
        step(hb, w, new double[] {1, 1}, 0.1);
        assertArrayEquals(new double[] {0.9, 0.8}, w, 1e-15);
        step(hb, w, new double[] {2, 2}, 0.1);
        assertArrayEquals(new double[] {0.9 - 0.1 * 2.5, 0.8 - 0.2 * 2.5}, w, 1e-15);

        Optimizer nag = Optimizer.create(Optimizer.Kind.NESTEROV, like(1), H, null);
        double[] u = {1};
        step(nag, u, new double[] {1}, 0.1);
        assertEquals(1 - 0.1 * 1.5, u[0], 1e-15);
        step(nag, u, new double[] {2}, 0.1);
        assertEquals(0.85 - 0.1 * (2 + 0.5 * 2.5), u[0], 1e-15);
    }

    /** Adam's first step moves each coordinate by η·g/(|g|+ε) ≈ η·sign(g); AdamW with g = 0 only decays. */
    @Test
    void adamFirstStepAndDecoupledDecay() {
        Optimizer adam = Optimizer.create(Optimizer.Kind.ADAM, like(2), H, null);
        double[] w = {0, 0};
        step(adam, w, new double[] {3, -0.5}, 0.01);
        assertEquals(-0.01 * 3 / (3 + 1e-8), w[0], 1e-15);
        assertEquals(0.01 * 0.5 / (0.5 + 1e-8), w[1], 1e-15);

        Optimizer adamw = Optimizer.create(Optimizer.Kind.ADAMW, like(1), new Optimizer.Hyper(0, 0.9, 0.999, 1e-8, 0.1), null);
        double[] v = {2};
        step(adamw, v, new double[] {0}, 0.5);
        assertEquals(2 * (1 - 0.05), v[0], 1e-15);
    }

    /** Saving state mid-run and loading it into a fresh optimizer continues bitwise identically, for every kind. */
    @Test
    void stateRoundTripIsBitwise() {
        for (Optimizer.Kind k : Optimizer.Kind.values()) {
            Optimizer a = Optimizer.create(k, like(3), new Optimizer.Hyper(0.9, 0.8, 0.99, 1e-8, 0.01), null);
            double[] w = {1, -2, 3};
            for (int t = 0; t < 3; t++) {
                step(a, w, new double[] {w[0] * 0.3, w[1] * 0.7, Math.sin(w[2])}, 0.05);
            }
            Map<String, double[]> s = a.state();
            Optimizer b = Optimizer.create(k, like(3), new Optimizer.Hyper(0.9, 0.8, 0.99, 1e-8, 0.01), null);
            b.load(s);
            double[] wb = w.clone();
            for (int t = 0; t < 3; t++) {
                step(a, w, new double[] {w[0] * 0.3, w[1] * 0.7, Math.sin(w[2])}, 0.05);
                step(b, wb, new double[] {wb[0] * 0.3, wb[1] * 0.7, Math.sin(wb[2])}, 0.05);
            }
            assertArrayEquals(w, wb, 0, k.name());
            assertEquals(6, b.steps());
        }
        Optimizer adam = Optimizer.create(Optimizer.Kind.ADAM, like(2), H, null);
        assertThrows(IllegalArgumentException.class, () -> adam.load(Map.of("step", new double[] {1})));
    }

    @Test
    void schedulesAtKnownPoints() {
        assertEquals(0.1, Schedule.constant(0.1).at(1000), 0);
        Schedule w = Schedule.parse("warmup:4", 0.2, 100);
        assertEquals(0.05, w.at(0), 1e-15);
        assertEquals(0.2, w.at(3), 1e-15);
        assertEquals(0.2, w.at(50), 0);
        Schedule c = Schedule.parse("cosine:10", 1.0, 110);
        assertEquals(1.0, c.at(10), 1e-15);
        assertEquals(0.5, c.at(60), 1e-15);
        assertEquals(0.0, c.at(110), 0);
        assertThrows(IllegalArgumentException.class, () -> Schedule.parse("linear", 0.1, 10));
        assertThrows(IllegalArgumentException.class, () -> Schedule.constant(-1));
    }

    /** RK4 flow on L = Σ λ_i w_i²/2 matches w₀·exp(−λ_i T) to 1e-9 with h = 0.1/λ_max. */
    @Test
    void rk4GradientFlowMatchesExponentialDecay() {
        double[] lam = {10, 1, 0.1};
        GradientFlow flow = new GradientFlow(p -> {
            double[] w = p.toDoubles();
            return v(lam[0] * w[0], lam[1] * w[1], lam[2] * w[2]);
        }, 0.1, 1);
        ParamVector pw = v(1, 1, 1);
        while (flow.time() < 2 - 1e-12) {
            flow.step(pw, 10);
        }
        double[] w = pw.toDoubles();
        assertEquals(0.01, flow.stepFor(10), 0);
        assertEquals(1, flow.stepFor(0), 0);
        for (int i = 0; i < 3; i++) {
            assertEquals(Math.exp(-lam[i] * flow.time()), w[i], 1e-9);
        }
    }
}
