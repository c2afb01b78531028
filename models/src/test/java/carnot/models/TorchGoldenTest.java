package carnot.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.ParamVector;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.engine.io.NdArray;
import carnot.engine.io.Npz;
import carnot.science.spectral.FullSpectrum;
import carnot.science.spectral.Lanczos;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Carnot against PyTorch float64 goldens (written by {@code bench/python/make_goldens.py} from the modules
 * documented in models/README.md; the torch version is in {@code golden/VERSIONS.txt}): for each model and loss,
 * at the stored weights and data, the loss, the gradient, the Hessian-vector product along the stored v, the full
 * Hessian spectrum and the top-3 eigenvalues by Lanczos. Tolerances, all 1e-10: loss relative to |loss|; gradient
 * and HVP as max |carnot - torch| over all parameters relative to max |torch|; eigenvalues as
 * max_i |lambda_i - lambda_i^torch| relative to max |lambda^torch|. Run on the reference backend and on the CPU
 * backend with 2 threads.
 */
class TorchGoldenTest {
    static final double TOL = 1e-10;

    @ParameterizedTest
    @ValueSource(strings = {"mlp-tanh-mse", "mlp-gelu-ce", "linear-mse", "linear-ce", "transformer-all-positions",
        "transformer-last-position"})
    void matchesPyTorch(String name) throws URISyntaxException {
        Map<String, NdArray> golden = Npz.read(Path.of(getClass().getResource("/golden/" + name + ".npz").toURI()));
        try (CpuBackend cpu = new CpuBackend(2)) {
            for (Backend be : new Backend[] {new RefBackend(), cpu}) {
                try (Scope s = Scope.open()) {
                    check(name, golden, be);
                }
            }
        }
    }

    private static void check(String name, Map<String, NdArray> golden, Backend be) {
        String what = name + " on " + be.name();
        Model m = model(name, be);
        Loss loss = name.endsWith("mse") ? Loss.MSE : Loss.CE;
        ParamVector w = Weights.fromArrays(m, part(golden, "w."), "golden " + name + " weights");
        for (int i = 0; i < w.parts().size(); i++) {
            m.params().get(i).set(w.get(i));
        }
        ParamVector v = Weights.fromArrays(m, part(golden, "v."), "golden " + name + " direction");
        NdArray x = golden.get("x");
        NdArray y = golden.get("y");
        Tensor xt = name.startsWith("transformer") ? Tensor.indices(be, x.toInts(), x.shape())
                : Tensor.of(be, DType.F64, x.toDoubles(), x.shape());
        Tensor yt = loss == Loss.MSE ? Tensor.of(be, DType.F64, y.toDoubles(), y.shape())
                : Tensor.indices(be, y.toInts(), y.shape());
        DataSet data = new ArrayDataSet(xt, yt);

        Grad g = Grad.of(m, loss, data);
        double l0 = golden.get("loss").toDoubles()[0];
        assertEquals(l0, g.loss(), TOL * Math.abs(l0), what + ": loss");
        same(what + ": gradient", m, g.grad(), part(golden, "g."));
        Hessian h = Hessian.of(m, loss, data);
        same(what + ": Hessian-vector product", m, h.apply(v), part(golden, "hv."));

        double[] ev = golden.get("eigenvalues").toDoubles();
        double scale = Math.max(Math.abs(ev[0]), Math.abs(ev[ev.length - 1]));
        if (be instanceof CpuBackend || ev.length < 200) {
            FullSpectrum full = FullSpectrum.compute(h, 64, false);
            assertEquals(ev.length, full.values().length, what + ": dimension");
            double worst = 0;
            for (int i = 0; i < ev.length; i++) {
                worst = Math.max(worst, Math.abs(full.values()[i] - ev[i]));
            }
            assertTrue(worst <= TOL * scale, what + ": full spectrum max |diff| " + worst + " > " + TOL + " x " + scale);
            System.out.printf("%s: full spectrum (P = %d) max |diff| / max |lambda| = %.2e%n", what, ev.length,
                    worst / scale);
        }
        double[] top = Lanczos.topK(h, 3, 1e-13, 3000, null).values().clone();
        Arrays.sort(top);
        for (int i = 0; i < 3; i++) {
            double want = ev[ev.length - 3 + i];
            assertEquals(want, top[i], TOL * scale, what + ": Lanczos top-3 eigenvalue " + i);
        }
    }

    /** The model each golden was made with (see bench/python/make_goldens.py). */
    private static Model model(String name, Backend be) {
        return switch (name) {
            case "mlp-tanh-mse" -> new Mlp(be, DType.F64, new int[] {5, 7, 6, 3}, Activation.TANH, true, 0);
            case "mlp-gelu-ce" -> new Mlp(be, DType.F64, new int[] {4, 8, 3}, Activation.GELU, true, 0);
            case "linear-mse", "linear-ce" -> Mlp.deepLinear(be, DType.F64, new int[] {4, 6, 5, 3}, 0);
            case "transformer-all-positions", "transformer-last-position" -> new Transformer(be, DType.F64,
                    new Transformer.Config(7, 5, 8, 2, 2, 2), name.endsWith("last-position"), 0);
            default -> throw new IllegalArgumentException("no model for golden '" + name + "'");
        };
    }

    /** The arrays whose names start with {@code prefix}, the prefix removed (parameter names). */
    private static Map<String, NdArray> part(Map<String, NdArray> golden, String prefix) {
        Map<String, NdArray> out = new LinkedHashMap<>();
        golden.forEach((k, a) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), a);
            }
        });
        assertTrue(!out.isEmpty(), "golden has no arrays named " + prefix + "*");
        return out;
    }

    /** max |got - want| over all parameters <= TOL x max |want|, parameter by parameter in the model's order. */
    private static void same(String what, Model m, ParamVector got, Map<String, NdArray> want) {
        ParamVector ref = Weights.fromArrays(m, want, what);
        double scale = 0;
        for (int i = 0; i < ref.parts().size(); i++) {
            for (double d : ref.get(i).toDoubles()) {
                scale = Math.max(scale, Math.abs(d));
            }
        }
        assertTrue(scale > 0, what + " is identically zero in the golden");
        double worst = 0;
        for (int i = 0; i < ref.parts().size(); i++) {
            double[] a = got.get(i).toDoubles();
            double[] b = ref.get(i).toDoubles();
            for (int j = 0; j < a.length; j++) {
                assertEquals(b[j], a[j], TOL * scale, what + ", " + m.params().get(i).name() + "[" + j + "]");
                worst = Math.max(worst, Math.abs(a[j] - b[j]));
            }
        }
        System.out.printf("%s: max |diff| / max |torch| = %.2e%n", what, worst / scale);
    }
}
