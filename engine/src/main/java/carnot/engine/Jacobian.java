package carnot.engine;

import carnot.engine.ops.Shapes;

import java.util.ArrayList;
import java.util.List;

/**
 * Products with the Jacobian {@code J = d f(x; w) / d w} of a model's outputs (shape O = forward(x).shape) with
 * respect to its parameters, at the current values.
 */
public final class Jacobian {
    private Jacobian() {
    }

    /** {@code J v}: output tangent of shape O. */
    public static Tensor jvp(Model model, Tensor x, ParamVector v) {
        var ws = new ArrayList<Tensor>();
        List<Param> ps = model.params();
        for (int i = 0; i < ps.size(); i++) {
            ws.add(ps.get(i).value().withTangent(v.get(i)));
        }
        Tensor out = model.forward(ws, x);
        Tensor t = out.tangent();
        return t == null ? Tensor.zeros(out.backend(), out.dtype(), out.shape()) : t.reshape(out.shape());
    }

    /** {@code J v_j} for k directions given as per-parameter blocks [k, shape...]; result [k, O...]. */
    public static Tensor jvpBatch(Model model, Tensor x, List<Tensor> blocks) {
        var ws = new ArrayList<Tensor>();
        List<Param> ps = model.params();
        for (int i = 0; i < ps.size(); i++) {
            ws.add(ps.get(i).value().withTangent(blocks.get(i)));
        }
        Tensor out = model.forward(ws, x);
        Tensor t = out.tangent();
        return t == null ? Tensor.zeros(out.backend(), out.dtype(), Shapes.prepend(blocks.getFirst().dim(0), out.shape())) : t;
    }

    /** {@code J^T u} for u of shape O: a parameter-space vector. */
    public static ParamVector vjp(Model model, Tensor x, Tensor u) {
        var ws = new ArrayList<Tensor>();
        for (Param p : model.params()) {
            ws.add(p.value().variable());
        }
        Tensor out = model.forward(ws, x);
        var gs = Autodiff.backward(out, u, ws, false);
        var parts = new ArrayList<Tensor>();
        for (Tensor g : gs) {
            parts.add(g.detach());
        }
        return new ParamVector(parts);
    }
}
