package carnot.science.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.science.observe.Sharpness;
import carnot.science.observe.WeightMovement;
import carnot.science.optim.Optimizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training loop on a least-squares quadratic with known Hessian. */
class TrainerTest {

    private static List<Observable> observables(LeastSquares q) {
        return List.of(new Sharpness(5, 2), new WeightMovement(5, q.names(), q.shapes()));
    }

    /** GD with η = 1.9/λ_max converges to the minimum; η = 2.1/λ_max diverges, naming the step and tensor. */
    @Test
    void gdConvergesBelowTwoOverLambdaAndDivergesAbove() {
        LeastSquares q = new LeastSquares(40, 6, 1);
        double lam = q.lambdaMax();
        List<Map<String, Object>> records = new ArrayList<>();
        Trainer.Result ok = new Trainer(q, TrainConfig.gd(1.9 / lam, 3000), observables(q), null, records::add)
                .run(q.vector(new double[6]), null, null);
        assertEquals(Trainer.Status.COMPLETED, ok.status());
        assertTrue((double) records.getLast().get("grad_norm") < 1e-8, "gradient vanishes at the minimum");
        assertEquals(0.95, (double) records.getFirst().get("eta_sharpness_over_2"), 1e-12);

        Trainer.Result bad = new Trainer(q, TrainConfig.gd(2.1 / lam, 3000), List.of(), null, null)
                .run(q.vector(new double[6]), null, null);
        assertEquals(Trainer.Status.DIVERGED, bad.status());
        assertTrue(bad.message().startsWith("diverged at step ") && bad.steps() < 3000, bad.message());
        // 2.1 / lambda grows the top mode by |1 - 2.1| = 1.1 per step: the loss passes 1e6 x the initial loss
        // long before any weight overflows, so that is the diagnosis, naming the step, both losses and a block.
        java.util.regex.Matcher msg = java.util.regex.Pattern.compile("diverged at step (\\d+): loss (\\S+) exceeds "
                + "1000000\\.0 x the initial loss (\\S+) \\(largest gradient entries in (a|b)\\)").matcher(bad.message());
        assertTrue(msg.matches(), bad.message());
        double initial = q.lossAndGradient(new double[6], null, new double[6]);
        assertEquals(initial, Double.parseDouble(msg.group(3)), 0, "initial loss in " + bad.message());
        assertTrue(Double.parseDouble(msg.group(2)) > 1e6 * initial, bad.message());
        assertEquals(bad.steps(), Long.parseLong(msg.group(1)), bad.message());
    }

    /** Non-finite weights are reported with the parameter name and index. */
    @Test
    void nonFiniteWeightsNamedInMessage() {
        LeastSquares q = new LeastSquares(10, 4, 2);
        double[] w = {0, 0, 0, Double.NaN};
        Trainer.Result r = new Trainer(q, TrainConfig.gd(0.01, 10), List.of(), null, null).run(q.vector(w), null, null);
        assertEquals(Trainer.Status.DIVERGED, r.status());
        assertEquals("diverged at step 0: weights of b (index 1 = NaN) are not finite", r.message());
    }

    /** A NaN gradient (finite weights) is reported with the parameter whose gradient went bad first. */
    @Test
    void nonFiniteGradientNamedInMessage() {
        LeastSquares q = new LeastSquares(10, 4, 2) {
            @Override
            public double lossAndGradient(double[] w, int[] samples, double[] grad) {
                double l = super.lossAndGradient(w, samples, grad);
                if (gradients > 3) {
                    grad[2] = Double.POSITIVE_INFINITY;
                }
                return l;
            }
        };
        Trainer.Result r = new Trainer(q, TrainConfig.gd(0.01, 10), List.of(), null, null).run(q.vector(new double[4]), null, null);
        assertEquals(Trainer.Status.DIVERGED, r.status());
        assertTrue(r.message().startsWith("diverged at step 3: gradient of b (index 0 = Infinity)"), r.message());
    }

    /**
     * Same command twice gives identical metrics files; resuming from the step-10 checkpoint rewrites exactly the
     * same metrics as the uninterrupted run, for momentum and Adam.
     */
    @Test
    void determinismAndBitwiseResume(@TempDir Path dir) throws Exception {
        for (Optimizer.Kind k : List.of(Optimizer.Kind.NESTEROV, Optimizer.Kind.ADAM, Optimizer.Kind.SGD)) {
            LeastSquares q = new LeastSquares(30, 4, 3);
            TrainConfig cfg = TrainConfig.gd(0.02, 25).withOptimizer(k, 7).withCheckpointEvery(10);
            double[] w0 = {0.1, -0.2, 0.3, 0.4};
            Path a = dir.resolve(k + "a");
            Path b = dir.resolve(k + "b");
            new Trainer(q, cfg, observables(q), a, null).run(q.vector(w0), null, null);
            new Trainer(q, cfg, observables(q), b, null).run(q.vector(w0), null, null);
            assertEquals(Files.readString(a.resolve("metrics.jsonl")), Files.readString(b.resolve("metrics.jsonl")));
            Checkpoint c = Checkpoint.load(b.resolve("checkpoints/step-00000010.npz"), q.names(), q.shapes());
            assertEquals(10, c.step());
            Trainer.Result r = new Trainer(q, cfg, observables(q), b, null).run(q.vector(w0), null, c);
            assertEquals(25, r.steps());
            assertEquals(Files.readString(a.resolve("metrics.jsonl")), Files.readString(b.resolve("metrics.jsonl")), k.name());
            assertEquals(Files.readString(a.resolve("metrics.csv")), Files.readString(b.resolve("metrics.csv")), k.name());
            assertEquals(26, Files.readAllLines(a.resolve("metrics.jsonl")).size());
        }
    }

    /** SGD's mini-batches of one epoch partition the data; different epochs use different orders. */
    @Test
    void sgdReshufflesPerEpoch() {
        LeastSquares q = new LeastSquares(12, 2, 4);
        Trainer t = new Trainer(q, TrainConfig.gd(0.1, 1).withOptimizer(Optimizer.Kind.SGD, 4), List.of(), null, null);
        Set<Integer> seen = new HashSet<>();
        for (int s = 0; s < 3; s++) {
            for (int i : t.batchIndices(s)) {
                assertTrue(seen.add(i), "index repeated within an epoch");
            }
        }
        assertEquals(12, seen.size());
        assertFalse(java.util.Arrays.equals(t.batchIndices(0), t.batchIndices(3)));
        assertArrayEquals(t.batchIndices(5), t.batchIndices(5));
    }

    /**
     * GD with step η follows gradient flow to first order: at equal time T = η·t the distance to the RK4 flow
     * halves when η halves.
     */
    @Test
    void gdApproachesGradientFlowLinearlyInStep() {
        LeastSquares q = new LeastSquares(20, 3, 6);
        double lam = q.lambdaMax();
        double[] w0 = {1, -1, 0.5};
        Trainer.Result flow = new Trainer(q, TrainConfig.gd(0.01 / lam, 200).withFlow(2.5, 1000), List.of(), null, null)
                .run(q.vector(w0), null, null);
        double[] err = new double[2];
        for (int i = 0; i < 2; i++) {
            double eta = 0.1 / lam / (1 << i);
            Trainer.Result gd = new Trainer(q, TrainConfig.gd(eta, 20L << i), List.of(), null, null).run(q.vector(w0), null, null);
            double d = 0;
            double[] a = gd.w().toDoubles();
            double[] b = flow.w().toDoubles();
            for (int j = 0; j < 3; j++) {
                d += (a[j] - b[j]) * (a[j] - b[j]);
            }
            err[i] = Math.sqrt(d);
        }
        assertEquals(2.0, err[0] / err[1], 0.1);
    }

    /** RK4 gradient flow reaches the same minimum and records flow time and the bounded step h = min(lr, f/λ). */
    @Test
    void gradientFlowRunsWithBoundedStep() {
        LeastSquares q = new LeastSquares(20, 3, 5);
        double lam = q.lambdaMax();
        List<Map<String, Object>> rec = new ArrayList<>();
        new Trainer(q, TrainConfig.gd(10, 2000).withFlow(0.5, 50), List.of(), null, rec::add).run(q.vector(new double[3]), null, null);
        assertEquals(0.5 / lam, (double) rec.getFirst().get("flow_h"), 1e-12);
        assertEquals(2000 * 0.5 / lam, (double) rec.getLast().get("flow_time"), 1e-9);
        assertTrue((double) rec.getLast().get("grad_norm") < 1e-6 * (double) rec.getFirst().get("grad_norm"));
    }
}
