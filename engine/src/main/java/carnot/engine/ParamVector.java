package carnot.engine;

import carnot.engine.ops.Shapes;

import java.util.ArrayList;
import java.util.List;

/**
 * A vector in parameter space: one tensor per parameter, shaped like the parameters (a gradient, a direction, an
 * HVP). {@link #flatten()} concatenates them in order into a flat [P] tensor; {@link #unflatten} splits one.
 */
public final class ParamVector {
    private final List<Tensor> parts;

    public ParamVector(List<Tensor> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("ParamVector: need at least one part");
        }
        this.parts = List.copyOf(parts);
    }

    public List<Tensor> parts() {
        return parts;
    }

    public Tensor get(int i) {
        return parts.get(i);
    }

    /** Total length P. */
    public long dim() {
        long n = 0;
        for (Tensor t : parts) {
            n += t.size();
        }
        return n;
    }

    /** The current values of a model's parameters. */
    public static ParamVector of(Model m) {
        return new ParamVector(m.values());
    }

    /** Zeros shaped like the model's parameters. */
    public static ParamVector zeros(Model m) {
        var l = new ArrayList<Tensor>();
        for (Param p : m.params()) {
            l.add(Tensor.zeros(p.value().backend(), p.value().dtype(), p.shape()));
        }
        return new ParamVector(l);
    }

    /**
     * Standard normal entries shaped like the model's parameters; entry j of the flat vector is element j of the
     * counter-based stream of {@code seed}, so {@code randn(m, s).flatten()} equals {@code Tensor.randn(.., s, 0, 1, P)}.
     */
    public static ParamVector randn(Model m, long seed) {
        var l = new ArrayList<Tensor>();
        long off = 0;
        for (Param p : m.params()) {
            l.add(Tensor.randn(p.value().backend(), p.value().dtype(), seed, off, 1, p.shape()));
            off += p.size();
        }
        return new ParamVector(l);
    }

    /** Random signs (+1 or -1 with equal probability), shaped like the parameters. */
    public static ParamVector rademacher(Model m, long seed) {
        var l = new ArrayList<Tensor>();
        long off = 0;
        for (Param p : m.params()) {
            Tensor u = Tensor.uniform(p.value().backend(), p.value().dtype(), seed, off, -1, 1, p.shape());
            Tensor zero = Tensor.scalar(u.backend(), u.dtype(), 0);
            l.add(u.gt(zero).mul(2).add(-1));
            off += p.size();
        }
        return new ParamVector(l);
    }

    /** The parts concatenated into a flat [P] tensor. */
    public Tensor flatten() {
        Tensor[] flat = new Tensor[parts.size()];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = parts.get(i).reshape(-1);
        }
        return flat.length == 1 ? flat[0] : Tensor.concat(0, flat);
    }

    /** Splits a flat [P] tensor into parts shaped like the model's parameters. */
    public static ParamVector unflatten(Model m, Tensor flat) {
        long p = m.numParams();
        if (flat.rank() != 1 || flat.dim(0) != p) {
            throw new IllegalArgumentException("unflatten: need a flat vector of length P = " + p + "; given "
                    + java.util.Arrays.toString(flat.shape()));
        }
        var l = new ArrayList<Tensor>();
        int off = 0;
        for (Param q : m.params()) {
            int n = Math.toIntExact(q.size());
            l.add(flat.slice(0, off, off + n).reshape(q.shape()));
            off += n;
        }
        return new ParamVector(l);
    }

    /** Splits V [k, P] into per-parameter blocks [k, shape...]. */
    static List<Tensor> unflattenBatch(Model m, Tensor vs) {
        long p = m.numParams();
        if (vs.rank() != 2 || vs.dim(1) != p) {
            throw new IllegalArgumentException("need V of shape [k, P = " + p + "]; given " + java.util.Arrays.toString(vs.shape()));
        }
        var l = new ArrayList<Tensor>();
        int k = vs.dim(0);
        int off = 0;
        for (Param q : m.params()) {
            int n = Math.toIntExact(q.size());
            Tensor b = m.params().size() == 1 ? vs : vs.slice(1, off, off + n);
            l.add(b.reshape(Shapes.prepend(k, q.shape())));
            off += n;
        }
        return l;
    }

    /** Joins per-parameter blocks [k, shape...] into [k, P]. */
    static Tensor flattenBatch(List<Tensor> blocks) {
        Tensor[] f = new Tensor[blocks.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = blocks.get(i).reshape(blocks.get(i).dim(0), -1);
        }
        return f.length == 1 ? f[0] : Tensor.concat(1, f);
    }

    private void check(ParamVector o) {
        if (o.parts.size() != parts.size()) {
            throw new IllegalArgumentException("ParamVector: need " + parts.size() + " parts; given " + o.parts.size());
        }
    }

    /** {@code sum_i <this_i, o_i>} accumulated in double in part order. */
    public double dot(ParamVector o) {
        check(o);
        double s = 0;
        for (int i = 0; i < parts.size(); i++) {
            Tensor a = parts.get(i);
            Tensor b = o.parts.get(i);
            if (!java.util.Arrays.equals(a.shape(), b.shape())) {
                throw new IllegalArgumentException("dot: part " + i + " shapes differ: " + a + " vs " + b);
            }
            s += a.backend().dot(a.size(), a.buffer(), b.buffer());
        }
        return s;
    }

    /** Euclidean norm. */
    public double norm() {
        return Math.sqrt(dot(this));
    }

    /** {@code this + alpha x} (new vector). */
    public ParamVector axpy(double alpha, ParamVector x) {
        check(x);
        var l = new ArrayList<Tensor>();
        for (int i = 0; i < parts.size(); i++) {
            l.add(parts.get(i).add(x.parts.get(i).mul(alpha)));
        }
        return new ParamVector(l);
    }

    /** {@code alpha this} (new vector). */
    public ParamVector scale(double alpha) {
        var l = new ArrayList<Tensor>();
        for (Tensor t : parts) {
            l.add(t.mul(alpha));
        }
        return new ParamVector(l);
    }

    /** Lets every part outlive {@code s}. Returns this. */
    public ParamVector keep(Scope s) {
        for (Tensor t : parts) {
            s.keep(t);
        }
        return this;
    }
}
