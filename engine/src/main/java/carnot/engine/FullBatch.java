package carnot.engine;

import carnot.kernels.DType;
import java.util.ArrayList;
import java.util.List;

/**
 * Exact full-batch passes: loss, gradient and (batched) tangent products accumulated over chunks of a data set
 * in a fixed order, each chunk's loss normalised by the whole data set's normaliser, so the result equals one
 * big batch up to rounding. The chunk size only bounds memory. The chunk losses are summed on the backend in f64
 * (the same additions, in the same order, as on the host) and the sum stays there: a pass reads nothing back
 * from a device backend (no copy to the host, no synchronisation); the loss is downloaded only when a caller
 * reads it ({@link Grad#loss()}, {@link Hessian.WithGradient}).
 */
final class FullBatch {
    private FullBatch() {
    }

    /**
     * Loss (an F64 scalar on the backend, in the caller's scope), gradient parts, and tangent parts ([k, shape] per
     * parameter, or null when no tangents were given).
     */
    record Pass(Tensor loss, List<Tensor> grad, List<Tensor> tangent) {
    }

    /** Which product the tangent parts hold. */
    enum Product { HESSIAN, GAUSS_NEWTON }

    /** Refuses a non-positive chunk size and an empty data set. */
    static void checkChunk(DataSet d, int chunk) {
        if (chunk <= 0) {
            throw new IllegalArgumentException("chunk must be positive; given " + chunk);
        }
        if (d.size() == 0) {
            throw new IllegalArgumentException("data set must not be empty");
        }
    }

    /**
     * One pass over all chunks. With {@code tangents} (per parameter [k, shape]) the tangent parts are
     * {@code H V} (forward-over-reverse) or {@code G V = J^T H_loss J V}.
     */
    static Pass run(Model m, Loss loss, DataSet d, int chunk, List<Tensor> tangents, Product product, boolean wantGrad) {
        if (product == Product.GAUSS_NEWTON && tangents != null && wantGrad) {
            throw new IllegalArgumentException("Gauss-Newton passes do not compute gradients");
        }
        double norm = loss.count(d);
        List<Param> ps = m.params();
        Tensor[] g = new Tensor[ps.size()];
        Tensor[] hv = tangents == null ? null : new Tensor[ps.size()];
        Tensor[] total = {null};
        d.chunks(chunk, (from, to, s) -> {
            var ws = new ArrayList<Tensor>(ps.size());
            for (int i = 0; i < ps.size(); i++) {
                Tensor w = ps.get(i).value();
                ws.add((tangents == null ? w : w.withTangent(tangents.get(i))).variable());
            }
            var c = chunk(m, loss, d.x(from, to), d.y(from, to), norm, ws, tangents != null ? product : Product.HESSIAN);
            total[0] = accumulate(s, total[0], c.loss().to(DType.F64));
            List<Tensor> gs = c.grads();
            for (int i = 0; i < ps.size(); i++) {
                Tensor gi = gs.get(i);
                if (wantGrad) {
                    g[i] = accumulate(s, g[i], gi.detach());
                }
                if (hv != null) {
                    Tensor ti = gi.tangent();
                    if (ti == null) {
                        ti = Tensor.zeros(gi.backend(), gi.dtype(), tangents.get(i).shape());
                    }
                    hv[i] = accumulate(s, hv[i], ti);
                }
            }
            return true;
        });
        return new Pass(total[0], wantGrad ? List.of(g) : null, hv == null ? null : List.of(hv));
    }

    /** Loss (a scalar on the backend) and gradients (carrying the product's tangents) of one chunk. */
    record Chunk(Tensor loss, List<Tensor> grads) {
    }

    /**
     * One chunk: forward, loss, backward with respect to {@code ws} (variables, optionally carrying tangents). For
     * {@link Product#GAUSS_NEWTON} the backward is seeded with the loss-Hessian product of the output tangent, so
     * the gradients' tangents are {@code J^T H_loss J V} (their values are then meaningless).
     */
    static Chunk chunk(Model m, Loss loss, Tensor x, Tensor y, double norm, List<Tensor> ws, Product product) {
        Tensor out = m.forward(ws, x);
        if (product == Product.GAUSS_NEWTON) {
            Tensor o = out.detach().withTangent(out.tangent()).variable();
            Tensor l = loss.apply(o, y, norm);
            Tensor u = Autodiff.grad(l, List.of(o)).getFirst().tangent();
            Tensor seed = Tensor.zeros(out.backend(), out.dtype(), out.shape()).withTangent(u);
            return new Chunk(l.detach(), Autodiff.backward(out, seed, ws, false));
        }
        Tensor l = loss.apply(out, y, norm);
        return new Chunk(l.detach(), Autodiff.grad(l, ws));
    }

    static Tensor accumulate(Scope s, Tensor acc, Tensor next) {
        if (acc == null) {
            return s.keep(next.detach());
        }
        Tensor sum = acc.add(next);
        acc.close();
        return s.keep(sum);
    }
}
