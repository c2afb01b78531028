package carnot.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.science.observe.CollapseObservable;
import carnot.science.observe.FeatureObservable;
import carnot.science.train.ModelObjective;
import carnot.science.train.Observable.RunState;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The observables built on {@code Model.features} run on a tiny transformer: neural collapse (labels one per
 * sequence, or one per position) and feature movement / CKA (agop_align is NaN: token ids have no input gradient).
 */
class TransformerObservablesTest {
    private static final int V = 4;
    private static final int T = 3;
    private static final int N = 12;

    private final Backend be = new RefBackend();

    @Test
    void neuralCollapseOfTheLastFeaturesWithTheHeadAsClassifier() {
        for (boolean lastOnly : new boolean[] {true, false}) {
            try (Scope _ = Scope.open()) {
                Random r = new Random(2);
                Transformer m = new Transformer(be, DType.F64, new Transformer.Config(V, T, 8, 2, 1, 2), lastOnly, 6);
                TransformerFeaturesTest.perturb(m, r);
                int[] y = new int[lastOnly ? N : N * T];
                for (int i = 0; i < y.length; i++) {
                    y[i] = i % V;
                }
                DataSet data = new ArrayDataSet(TransformerFeaturesTest.ids(be, r, V, N, T),
                        lastOnly ? Tensor.indices(be, y, N) : Tensor.indices(be, y, N, T));
                ModelObjective obj = new ModelObjective(m, Loss.CE, data, null, N, 1e-6, 20);
                carnot.engine.ParamVector w = ModelObjective.flatten(m);
                Map<String, Object> rec = new HashMap<>();
                new CollapseObservable(1, m, obj, data).measure(new RunState(0, w, w, null, 0, 0, obj), rec);
                for (String c : List.of("nc1", "nc2_norm", "nc2_angle", "nc3", "nc4")) {
                    double v = (Double) rec.get(c);
                    assertTrue(Double.isFinite(v), c + " = " + v + (lastOnly ? " (last position)" : " (all positions)"));
                }
                assertTrue((Double) rec.get("nc1") > 0, "random features are not collapsed: " + rec);
            }
        }
    }

    @Test
    void featureMovementAndCkaOnTokenInputs() {
        try (Scope _ = Scope.open()) {
            Random r = new Random(4);
            Transformer m = new Transformer(be, DType.F64, new Transformer.Config(V, T, 8, 2, 1, 2), true, 6);
            int[] y = new int[N];
            DataSet data = new ArrayDataSet(TransformerFeaturesTest.ids(be, r, V, N, T), Tensor.indices(be, y, N));
            ModelObjective obj = new ModelObjective(m, Loss.CE, data, null, N, 1e-6, 20);
            FeatureObservable f = new FeatureObservable(1, m, obj, data, 8);
            carnot.engine.ParamVector w0 = ModelObjective.flatten(m);
            Map<String, Object> at0 = new HashMap<>();
            f.measure(new RunState(0, w0, w0, null, 0, 0, obj), at0);
            assertEquals(0.0, (Double) at0.get("feature_move"), 0, "features have not moved at w0");
            assertEquals(1.0, (Double) at0.get("cka_init"), 1e-12, "CKA with itself");
            assertTrue(Double.isNaN((Double) at0.get("agop_align")), "no input gradient of token ids: " + at0);
            TransformerFeaturesTest.perturb(m, r);
            carnot.engine.ParamVector w1 = ModelObjective.flatten(m);
            Map<String, Object> at1 = new HashMap<>();
            f.measure(new RunState(1, w1, w0, null, 0, 0, obj), at1);
            assertTrue((Double) at1.get("feature_move") > 0.01, "features moved with the weights: " + at1);
            assertTrue((Double) at1.get("cka_init") < 1, "CKA after the move: " + at1);
        }
    }
}
