package carnot.science.train;

import carnot.engine.ParamVector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.ArrayDataSet;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.Role;
import carnot.engine.Tensor;
import carnot.science.observe.Matrix;
import carnot.science.observe.Sharpness;
import carnot.science.optim.Optimizer;
import carnot.science.param.Apply;
import carnot.science.param.OutputScaled;
import carnot.science.param.Parameterization;
import carnot.science.param.Table;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The whole loop through the autodiff engine on a linear model (a quadratic with known Hessian). */
class ModelObjectiveTest {
    private static final RefBackend BE = new RefBackend();

    /** f(x) = x (m·W)ᵀ, W [out, in]: with MSE the Hessian is I_out ⊗ XᵀX/N. */
    record Linear(List<Param> params) implements Model {
        static Linear create(int in, int out, long seed) {
            return new Linear(List.of(new Param("w", Role.READOUT, in, out,
                    Tensor.randn(BE, DType.F64, seed, 0, 1 / Math.sqrt(in), out, in))));
        }

        @Override
        public Tensor forward(List<Tensor> weights, Tensor x) {
            return x.matmul(weights.get(0).mul(params.get(0).multiplier()), false, true);
        }
    }

    private static double[] design(int n, int d, long seed) {
        Random r = new Random(seed);
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian() * (1 + i % d);
        }
        return x;
    }

    private static ModelObjective problem(Model m, int n, int d, int out) {
        Tensor x = Tensor.of(BE, DType.F64, design(n, d, 7), n, d);
        double[] y = new double[n * out];
        Random r = new Random(8);
        for (int i = 0; i < y.length; i++) {
            y[i] = r.nextGaussian();
        }
        return new ModelObjective(m, Loss.MSE, new ArrayDataSet(x, Tensor.of(BE, DType.F64, y, n, out)), null, 7, 1e-10, 200);
    }

    private static double lambdaMax(int n, int d) {
        Matrix x = new Matrix(n, d, design(n, d, 7));
        return x.transpose().times(x).scale(1.0 / n).symmetricEigen().values()[0];
    }

    /**
     * Sharpness from warm-started Lanczos on the exact Hessian equals λ_max(XᵀX/N); GD with η = 1.9/λ converges
     * and η = 2.1/λ diverges (message names the step).
     */
    @Test
    void quadraticThroughEngineConvergesBelowAndDivergesAboveTwoOverLambda() {
        int n = 20;
        int d = 4;
        double lam = lambdaMax(n, d);
        for (double c : new double[] {1.9, 2.1}) {
            Linear m = Linear.create(d, 2, 1);
            ModelObjective obj = problem(m, n, d, 2);
            List<Map<String, Object>> rec = new ArrayList<>();
            Trainer.Result r = new Trainer(obj, TrainConfig.gd(c / lam, 400), List.of(new Sharpness(50, 1)), null, rec::add)
                    .run(ModelObjective.flatten(m), null, null);
            assertEquals(lam, (double) rec.getFirst().get("sharpness"), 1e-8 * lam);
            if (c < 2) {
                assertEquals(Trainer.Status.COMPLETED, r.status());
                assertTrue((double) rec.getLast().get("grad_norm") < 1e-6 * (double) rec.getFirst().get("grad_norm"));
            } else {
                assertEquals(Trainer.Status.DIVERGED, r.status(), r.message());
                assertTrue(r.message().startsWith("diverged at step "), r.message());
            }
        }
    }

    /** Full-batch gradient from the objective equals the mean of per-sample SGD gradients over a partition. */
    @Test
    void subsetGradientsAverageToFullGradient() {
        Linear m = Linear.create(3, 2, 2);
        ModelObjective obj = problem(m, 12, 3, 2);
        ParamVector w = ModelObjective.flatten(m);
        ParamVector pg = ParamVector.zeros(obj.backend(), obj.dtype(), obj.shapes());
        obj.lossAndGradient(w, null, pg);
        double[] full = pg.toDoubles();
        double[] avg = new double[obj.dim()];
        for (int[] part : new int[][] {{0, 1, 2, 3, 4, 5}, {6, 7, 8, 9, 10, 11}}) {
            obj.lossAndGradient(w, part, pg);
            double[] g = pg.toDoubles();
            for (int i = 0; i < g.length; i++) {
                avg[i] += g[i] / 2;
            }
        }
        assertArrayEquals(full, avg, 1e-12);
        TrainConfig sgd = TrainConfig.gd(0.01, 5).withOptimizer(Optimizer.Kind.SGD, 4);
        assertEquals(Trainer.Status.COMPLETED, new Trainer(obj, sgd, List.of(), null, null).run(w, null, null).status());
    }

    /**
     * evaluate (one forward per chunk of 7): test_loss equals {@link carnot.engine.Grad#loss} on the held-out set;
     * train_acc and test_acc equal argmax counts against one-hot targets computed here from the outputs.
     */
    @Test
    void evaluateMatchesLossAndArgmaxCounts() {
        Linear m = Linear.create(3, 4, 5);
        Tensor xTrain = Tensor.of(BE, DType.F64, design(12, 3, 1), 12, 3);
        Tensor xTest = Tensor.of(BE, DType.F64, design(10, 3, 2), 10, 3);
        Random r = new Random(3);
        Tensor yTrain = oneHot(r, 12, 4);
        Tensor yTest = oneHot(r, 10, 4);
        ModelObjective obj = new ModelObjective(m, Loss.MSE, new ArrayDataSet(xTrain, yTrain),
                new ArrayDataSet(xTest, yTest), 7, 1e-10, 200);
        Map<String, Double> e = obj.evaluate(ModelObjective.flatten(m));
        assertEquals(List.of("train_acc", "test_loss", "test_acc"), List.copyOf(e.keySet()));
        assertEquals(carnot.engine.Grad.loss(m, Loss.MSE, new ArrayDataSet(xTest, yTest), 10), e.get("test_loss"), 1e-12);
        assertEquals(agreement(m.forward(xTrain).toDoubles(), yTrain.toDoubles(), 4), e.get("train_acc"), 0);
        assertEquals(agreement(m.forward(xTest).toDoubles(), yTest.toDoubles(), 4), e.get("test_acc"), 0);
        assertTrue(e.get("test_acc") > 0 && e.get("test_acc") < 1, "a random model is right on some samples only");
    }

    private static Tensor oneHot(Random r, int n, int c) {
        double[] y = new double[n * c];
        for (int i = 0; i < n; i++) {
            y[i * c + r.nextInt(c)] = 1;
        }
        return Tensor.of(BE, DType.F64, y, n, c);
    }

    /** Fraction of rows whose argmax of out equals the argmax of y. */
    private static double agreement(double[] out, double[] y, int c) {
        int right = 0;
        for (int i = 0; i < out.length / c; i++) {
            int a = 0;
            int b = 0;
            for (int j = 1; j < c; j++) {
                a = out[i * c + j] > out[i * c + a] ? j : a;
                b = y[i * c + j] > y[i * c + b] ? j : b;
            }
            right += a == b ? 1 : 0;
        }
        return right / (double) (out.length / c);
    }

    /** µP applied at base width leaves exactly the SP weights and multipliers; α scales the output exactly. */
    @Test
    void mupEqualsSpAtBaseWidthOnAModel() {
        Linear a = Linear.create(5, 3, 3);
        Linear b = Linear.create(5, 3, 3);
        Table sp = Parameterization.sp().resolve(Apply.infos(a), 1, 1);
        Table mup = Parameterization.mup().resolve(Apply.infos(b), 1, 1);
        Apply.apply(sp, a, 11);
        Apply.apply(mup, b, 11);
        assertArrayEquals(ModelObjective.flatten(a).toDoubles(), ModelObjective.flatten(b).toDoubles(), 0);
        assertEquals(a.params().getFirst().multiplier(), b.params().getFirst().multiplier(), 0);
        assertArrayEquals(sp.lrMultipliers(), mup.lrMultipliers(), 0);
        Apply.apply(Parameterization.mup().resolve(Apply.infos(b), 4, 1), b, 11);
        assertEquals(0.5 / Math.sqrt(5), stdOf(ModelObjective.flatten(b).toDoubles()), 0.25 / Math.sqrt(5));

        Tensor x = Tensor.of(BE, DType.F64, design(4, 5, 9), 4, 5);
        double[] f = a.forward(x).toDoubles();
        double[] g = new OutputScaled(a, 3, false).forward(x).toDoubles();
        for (int i = 0; i < f.length; i++) {
            assertEquals(3 * f[i], g[i], 1e-15);
        }
        assertArrayEquals(new double[12], new OutputScaled(a, 5, true).forward(x).toDoubles(), 0);
    }

    private static double stdOf(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s / v.length);
    }
}
