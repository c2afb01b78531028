package carnot.models;

import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.ParamVector;
import carnot.engine.Tensor;
import carnot.engine.io.NdArray;
import carnot.engine.io.Npz;
import carnot.kernels.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.TreeSet;

/**
 * Parameter-space vectors (weights, gradients, directions, HVPs) as npz files of named arrays, named and shaped
 * like the model's parameters — the layout of a PyTorch {@code state_dict} saved with {@code np.savez}. Reading
 * checks the names and shapes against the model: missing, extra or mis-shaped arrays are one error listing all of
 * them. Float or integer arrays are converted to the model's dtype.
 */
public final class Weights {
    private Weights() {
    }

    /** The arrays of {@code v} named like {@code model}'s parameters, in parameter order (F32 or F64 as v). */
    public static SequencedMap<String, NdArray> toArrays(Model model, ParamVector v) {
        List<Param> ps = model.params();
        if (v.parts().size() != ps.size()) {
            throw new IllegalArgumentException("vector has " + v.parts().size() + " parts; the model has " + ps.size()
                    + " parameters");
        }
        SequencedMap<String, NdArray> m = new LinkedHashMap<>();
        for (int i = 0; i < ps.size(); i++) {
            Tensor t = v.get(i);
            double[] d = t.toDoubles();
            NdArray a;
            if (t.dtype() == DType.F32) {
                float[] f = new float[d.length];
                for (int k = 0; k < d.length; k++) {
                    f[k] = (float) d[k];
                }
                a = NdArray.ofF32(f, ps.get(i).shape());
            } else {
                a = NdArray.ofF64(d, ps.get(i).shape());
            }
            m.put(ps.get(i).name(), a);
        }
        return m;
    }

    /** Saves {@code v} (named like the model's parameters) to {@code file} atomically. */
    public static void save(Model model, ParamVector v, Path file) {
        Npz.write(toArrays(model, v), file, false);
    }

    /** Saves the model's current parameter values. */
    public static void save(Model model, Path file) {
        save(model, ParamVector.of(model), file);
    }

    /**
     * A parameter-space vector from {@code arrays} matched by name to {@code model}'s parameters, on the model's
     * backend and dtype. {@code what} (e.g. "weights file W.npz") names the source in the error, which lists every
     * missing, extra and mis-shaped name.
     */
    public static ParamVector fromArrays(Model model, Map<String, NdArray> arrays, String what) {
        List<Param> ps = model.params();
        List<String> missing = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        TreeSet<String> extra = new TreeSet<>(arrays.keySet());
        for (Param p : ps) {
            extra.remove(p.name());
            NdArray a = arrays.get(p.name());
            if (a == null) {
                missing.add(p.name() + Arrays.toString(p.shape()));
            } else if (!Arrays.equals(a.shape(), p.shape())) {
                misShaped.add(p.name() + " is " + Arrays.toString(a.shape()) + ", needs " + Arrays.toString(p.shape()));
            }
        }
        if (!missing.isEmpty() || !extra.isEmpty() || !misShaped.isEmpty()) {
            StringBuilder sb = new StringBuilder(what).append(" does not match the model's parameters:");
            if (!missing.isEmpty()) {
                sb.append(" missing ").append(missing).append(';');
            }
            if (!extra.isEmpty()) {
                sb.append(" extra ").append(extra).append(';');
            }
            if (!misShaped.isEmpty()) {
                sb.append(" mis-shaped ").append(misShaped).append(';');
            }
            sb.setLength(sb.length() - 1);
            throw new IllegalArgumentException(sb.toString());
        }
        List<Tensor> parts = new ArrayList<>();
        for (Param p : ps) {
            NdArray a = arrays.get(p.name());
            Tensor like = p.value();
            parts.add(Tensor.of(like.backend(), like.dtype(), a.toDoubles(), p.shape()));
        }
        return new ParamVector(parts);
    }

    /** Reads a vector named like the model's parameters from an npz file. */
    public static ParamVector load(Model model, Path file, String role) {
        return fromArrays(model, Npz.read(file), role + " file " + file);
    }

    /** Sets the model's parameter values from an npz file of weights. */
    public static void loadInto(Model model, Path file) {
        ParamVector v = load(model, file, "weights");
        for (int i = 0; i < model.params().size(); i++) {
            model.params().get(i).set(v.get(i));
        }
    }
}
