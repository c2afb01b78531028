package carnot.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reverse mode (tape = the graph of {@link Node}s recorded by {@link Tensor#apply}), forward mode (tangents
 * carried on tensors) and their composition.
 *
 * <p>Forward-over-reverse: give the variables tangents {@code V} ([k, shape]) before the forward pass; the
 * backward pass below runs the primitives' vjp rules on tensors that still carry their tangents, so every
 * cotangent carries its own tangent and the returned gradients carry {@code H V} — gradient and k Hessian-vector
 * products in one forward and one backward pass.
 */
public final class Autodiff {
    private Autodiff() {
    }

    /** Gradients of the scalar {@code y} with respect to {@code wrt} (variables), seed 1, no graph kept. */
    public static List<Tensor> grad(Tensor y, List<Tensor> wrt) {
        if (y.size() != 1) {
            throw new IllegalArgumentException("grad: output must be a scalar; given " + y);
        }
        return backward(y, Tensor.ones(y.backend(), y.dtype(), y.shape()), wrt, false);
    }

    /**
     * Vector-Jacobian product {@code J^T seed} of {@code y} with respect to each tensor of {@code wrt}
     * (zeros for ones {@code y} does not depend on). With {@code createGraph} the result is itself differentiable
     * in reverse mode (higher order); tangents always flow through (forward-over-reverse).
     */
    public static List<Tensor> backward(Tensor y, Tensor seed, List<Tensor> wrt, boolean createGraph) {
        if (!java.util.Arrays.equals(seed.shape(), y.shape())) {
            throw new IllegalArgumentException("backward: seed shape must equal output shape " + java.util.Arrays.toString(y.shape())
                    + "; given " + java.util.Arrays.toString(seed.shape()));
        }
        Map<Tensor, Tensor> cot = new IdentityHashMap<>();
        Map<Tensor, Boolean> wanted = new IdentityHashMap<>();
        for (Tensor w : wrt) {
            wanted.put(w, Boolean.TRUE);
        }
        List<Tensor> order = topo(y);
        cot.put(y, seed);
        for (int i = order.size() - 1; i >= 0; i--) {
            Tensor t = order.get(i);
            Tensor g = cot.get(t);
            Node node = t.node();
            if (g == null || node == null) {
                continue;
            }
            Tensor[] in = node.inputs();
            Tensor[] args = new Tensor[in.length];
            boolean[] need = new boolean[in.length];
            for (int j = 0; j < in.length; j++) {
                args[j] = createGraph ? in[j] : in[j].withoutGraph();
                need[j] = in[j].requiresGrad();
            }
            Tensor out = createGraph ? t : t.withoutGraph();
            Tensor gg = createGraph ? g : g.withoutGraph();
            Tensor[] gs = node.primitive().vjp(args, out, gg, need);
            for (int j = 0; j < in.length; j++) {
                if (need[j] && gs[j] != null) {
                    Tensor prev = cot.get(in[j]);
                    cot.put(in[j], prev == null ? gs[j] : prev.add(gs[j]));
                }
            }
            if (t != y && !wanted.containsKey(t)) {
                cot.remove(t);
            }
        }
        var res = new ArrayList<Tensor>(wrt.size());
        for (Tensor w : wrt) {
            Tensor g = cot.get(w);
            res.add(g != null ? g : Tensor.zeros(w.backend(), w.dtype(), w.shape()));
        }
        return res;
    }

    /** Tensors reachable from y that require a gradient, in topological order (inputs before outputs). */
    private static List<Tensor> topo(Tensor y) {
        var order = new ArrayList<Tensor>();
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        var stack = new ArrayDeque<Object[]>();
        stack.push(new Object[]{y, 0});
        seen.put(y, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            Tensor t = (Tensor) top[0];
            int next = (Integer) top[1];
            Tensor[] in = t.node() == null ? new Tensor[0] : t.node().inputs();
            if (next < in.length) {
                top[1] = next + 1;
                Tensor c = in[next];
                if (c.requiresGrad() && seen.put(c, Boolean.TRUE) == null) {
                    stack.push(new Object[]{c, 0});
                }
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }

    /** Result of {@link #jvp}: the output and its tangent ([k, out.shape], or out.shape when k = 1 was given unbatched). */
    public record Jvp(Tensor out, Tensor tangent) {
    }

    /**
     * Forward mode: {@code f(x)} and {@code J_f(x) v}. Each {@code v[i]} has shape {@code x[i].shape} (one
     * direction) or {@code [k, x[i].shape]} (k directions, one pass); null is a zero direction.
     */
    public static Jvp jvp(Function<List<Tensor>, Tensor> f, List<Tensor> x, List<Tensor> v) {
        if (x.size() != v.size()) {
            throw new IllegalArgumentException("jvp: need one direction per input; given " + x.size() + " inputs and "
                    + v.size() + " directions");
        }
        boolean unbatched = false;
        var xs = new ArrayList<Tensor>(x.size());
        for (int i = 0; i < x.size(); i++) {
            Tensor vi = v.get(i);
            if (vi != null && vi.rank() == x.get(i).rank()) {
                unbatched = true;
            }
            xs.add(vi == null ? x.get(i).detach() : x.get(i).detach().withTangent(vi));
        }
        Tensor out = f.apply(xs);
        Tensor tan = out.tangent();
        if (tan == null) {
            int k = 1;
            for (Tensor xi : xs) {
                if (xi.tangent() != null) {
                    k = xi.tangentBatch();
                }
            }
            tan = Tensor.zeros(out.backend(), out.dtype(), carnot.engine.ops.Shapes.prepend(k, out.shape()));
        }
        if (unbatched && tan.dim(0) == 1) {
            tan = tan.reshape(out.shape());
        }
        return new Jvp(out.detach(), tan);
    }
}
