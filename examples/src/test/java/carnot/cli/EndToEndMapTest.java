package carnot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.Tensor;
import carnot.science.observe.Conservation;
import carnot.science.observe.DeepLinearObservables;
import carnot.science.observe.EndToEnd;
import carnot.science.observe.Matrix;
import carnot.science.param.Apply;
import carnot.science.param.OutputScaled;
import carnot.science.param.Parameterization;
import carnot.science.param.Table;
import carnot.science.train.ModelObjective;
import carnot.science.train.Observable;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import carnot.models.Mlp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The e2e observable measures the map the network computes: under mean-field with a width ratio (forward multipliers ≠ 1)
 * and an output multiplier α, its singular values equal those of the matrix read off the model's own forward pass
 * on the identity; and its conservation residual uses the per-layer learning-rate multipliers.
 */
class EndToEndMapTest {
    @Test
    void singularValuesAreThoseOfTheComputedMap() {
        int[] widths = {3, 6, 5, 2};
        var be = new RefBackend();
        Mlp m = Mlp.deepLinear(be, DType.F64, widths, 3);
        Table t = Parameterization.preset("mf", false).withAlpha(2.5).resolve(Apply.infos(m), 4.0, 1.0);
        Apply.apply(t, m, 3);
        double[] mult = new double[m.params().size()];
        double[] lr = new double[mult.length];
        boolean nonUnit = false;
        for (int i = 0; i < mult.length; i++) {
            mult[i] = m.params().get(i).multiplier();
            lr[i] = t.rows().get(i).lrMult();
            nonUnit |= mult[i] != 1;
        }
        assertTrue(nonUnit, "the test needs a parameterization with forward multipliers != 1");
        Model f = new OutputScaled(m, 2.5, false);
        double[] id = new double[9];
        for (int i = 0; i < 3; i++) {
            id[i * 3 + i] = 1;
        }
        double[] out = f.forward(f.values(), Tensor.of(be, DType.F64, id, 3, 3)).toDoubles();   // rows: (M e_i)^T
        Matrix mapT = new Matrix(3, 2, out);
        double[] expected = mapT.transpose().singularValues();

        List<int[]> shapes = new ArrayList<>();
        for (Param p : m.params()) {
            shapes.add(p.shape());
        }
        Observable obs = new DeepLinearObservables(1, 2, shapes, mult, 2.5, false, lr);
        carnot.engine.ParamVector w = ModelObjective.flatten(m);
        Map<String, Object> rec = new LinkedHashMap<>();
        obs.measure(new Observable.RunState(0, w, w, w.scale(0), 0, 0, null), rec);
        for (int i = 0; i < 2; i++) {
            assertEquals(expected[i], (Double) rec.get("sv_" + (i + 1)), 1e-12 * expected[0], "sv_" + (i + 1));
        }
        Map<String, Object> plain = new LinkedHashMap<>();
        new DeepLinearObservables(1, 2, shapes).measure(new Observable.RunState(0, w, w, w.scale(0), 0, 0,
                null), plain);
        assertTrue(Math.abs((Double) plain.get("sv_1") - expected[0]) > 1e-3 * expected[0],
                "without the multipliers the values differ: " + plain.get("sv_1") + " vs " + expected[0]);
    }

    /** The conserved quantity under per-layer rates η_l is W_{l+1}ᵀW_{l+1}/η_{l+1} − W_l W_lᵀ/η_l. */
    @Test
    void balanceScalingDividesByTheLayerRates() {
        Matrix w1 = Matrix.of(new double[][] {{1, 2}, {3, -1}, {0.5, 0}});
        Matrix w2 = Matrix.of(new double[][] {{2, 1, -1}});
        double[] eta = {0.25, 4};
        Matrix d = Conservation.imbalance(EndToEnd.balanceScaled(List.of(w1, w2), eta))[0];
        Matrix want = w2.transpose().times(w2).scale(1 / eta[1]).minus(w1.times(w1.transpose()).scale(1 / eta[0]));
        assertEquals(0, d.minus(want).norm(), 1e-14);
        Matrix centered = EndToEnd.map(List.of(w1, w2), new double[] {2, 3}, 0.5, List.of(w1.scale(0.5), w2));
        Matrix direct = w2.times(w1).minus(w2.times(w1.scale(0.5))).scale(3.0);
        assertEquals(0, centered.minus(direct).norm(), 1e-14);
    }
}
