package carnot.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.ParamVector;
import carnot.engine.io.NdArray;
import carnot.engine.io.Npz;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weights npz interop: exact round trip, dtype conversion, and one error listing every name problem. */
class WeightsTest {
    @TempDir
    Path dir;

    /** Saving a model's weights and loading them into a differently seeded model reproduces them bitwise. */
    @Test
    void roundTrip() {
        var be = new RefBackend();
        Transformer a = new Transformer(be, DType.F64, new Transformer.Config(5, 3, 4, 2, 1, 2), false, 1);
        Transformer b = new Transformer(be, DType.F64, new Transformer.Config(5, 3, 4, 2, 1, 2), false, 2);
        Path f = dir.resolve("w.npz");
        Weights.save(a, f);
        Weights.loadInto(b, f);
        for (int i = 0; i < a.params().size(); i++) {
            assertArrayEquals(a.params().get(i).value().toDoubles(), b.params().get(i).value().toDoubles(), 0.0);
        }
        assertEquals(a.params().get(0).name(), List.copyOf(Npz.read(f).keySet()).get(0));
    }

    /** f32 arrays load into an f64 model exactly; an f32 model saves f32 arrays. */
    @Test
    void dtypeConversion() {
        var be = new RefBackend();
        Mlp m = new Mlp(be, DType.F64, new int[] {2, 1}, Activation.TANH, true, 0);
        Map<String, NdArray> w = new LinkedHashMap<>();
        w.put("layers.0.weight", NdArray.ofF32(new float[] {0.1f, -2f}, 1, 2));
        w.put("layers.0.bias", NdArray.ofI64(new long[] {3}, 1));
        ParamVector v = Weights.fromArrays(m, w, "test");
        assertArrayEquals(new double[] {0.1f, -2}, v.get(0).toDoubles(), 0.0);
        assertArrayEquals(new double[] {3}, v.get(1).toDoubles(), 0.0);
        Mlp m32 = new Mlp(be, DType.F32, new int[] {2, 1}, Activation.TANH, true, 0);
        Path f = dir.resolve("w32.npz");
        Weights.save(m32, f);
        assertEquals(carnot.engine.io.NpyType.F32, Npz.read(f).get("layers.0.weight").dtype());
    }

    /** Missing, extra and mis-shaped names are reported together, each by name. */
    @Test
    void mismatchesAreListed() {
        Mlp m = new Mlp(new RefBackend(), DType.F64, new int[] {2, 3, 1}, Activation.RELU, false, 0);
        Map<String, NdArray> w = new LinkedHashMap<>();
        w.put("layers.0.weight", NdArray.ofF64(new double[6], 2, 3));
        w.put("layers.9.weight", NdArray.ofF64(new double[1], 1));
        var e = assertThrows(IllegalArgumentException.class, () -> Weights.fromArrays(m, w, "weights file X"));
        assertTrue(e.getMessage().startsWith("weights file X does not match"), e.getMessage());
        assertTrue(e.getMessage().contains("missing [layers.1.weight[1, 3]]"), e.getMessage());
        assertTrue(e.getMessage().contains("extra [layers.9.weight]"), e.getMessage());
        assertTrue(e.getMessage().contains("layers.0.weight is [2, 3], needs [3, 2]"), e.getMessage());
    }
}
