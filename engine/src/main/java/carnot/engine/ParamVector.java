package carnot.engine;

import carnot.engine.ops.Shapes;
import carnot.kernels.Backend;
import carnot.kernels.DType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A vector in parameter space (weights, a gradient, a direction, an HVP, an optimizer's moment): one flat
 * buffer {@code [P]} on a backend holding every parameter in order, each row-major, with per-parameter views
 * {@link #get(int)} shaped like the parameters that share its memory. It is the one form a parameter-space vector
 * takes in the engine: solvers see {@link #flatten()} (the buffer itself, no copy), models see the views,
 * optimizers update the buffer in place ({@link #addScaled}, {@link #set}). Nothing here moves data to the host
 * except {@link #toDoubles()} and the scalar results of {@link #dot} and {@link #norm}.
 */
public final class ParamVector implements AutoCloseable {
    private final Tensor flat;
    private final List<int[]> shapes;
    private final List<Tensor> parts;

    private ParamVector(Tensor flat, List<int[]> shapes) {
        long p = 0;
        for (int[] s : shapes) {
            p += Shapes.size(s);
        }
        if (shapes.isEmpty() || flat.rank() != 1 || flat.dim(0) != p) {
            throw new IllegalArgumentException("ParamVector: need a flat [P] tensor with P = " + p + " (the sum of "
                    + shapes.size() + " parameter sizes, at least one); given " + Arrays.toString(flat.shape()));
        }
        this.flat = flat.detach();
        this.shapes = List.copyOf(shapes.stream().map(int[]::clone).toList());
        var views = new ArrayList<Tensor>(shapes.size());
        long off = 0;
        for (int[] s : shapes) {
            views.add(this.flat.range(off, s));
            off += Shapes.size(s);
        }
        this.parts = List.copyOf(views);
    }

    /** The parts copied, in order, into one new flat buffer (device copies; same backend and dtype required). */
    public ParamVector(List<Tensor> parts) {
        this(concat(parts), shapesOf(parts));
    }

    /** The flat [P] tensor {@code flat} seen as parameters of the given shapes (a view: no copy). */
    public static ParamVector wrap(Tensor flat, List<int[]> shapes) {
        return new ParamVector(flat, shapes);
    }

    /** Host values (one upload) as a vector of the given dtype on {@code be}. */
    public static ParamVector fromHost(Backend be, DType dtype, double[] values, List<int[]> shapes) {
        return new ParamVector(Tensor.of(be, dtype, values, values.length), shapes);
    }

    private static Tensor concat(List<Tensor> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("ParamVector: need at least one part");
        }
        Tensor first = parts.getFirst();
        long p = 0;
        for (Tensor t : parts) {
            if (t.dtype() != first.dtype() || t.backend() != first.backend()) {
                throw new IllegalArgumentException("ParamVector: every part needs " + first.dtype() + " on "
                        + first.backend().name() + "; given " + t.dtype() + " on " + t.backend().name());
            }
            p += t.size();
        }
        Tensor flat = Tensor.empty(first.backend(), first.dtype(), Math.toIntExact(p));
        long off = 0;
        for (Tensor t : parts) {
            if (t.size() > 0) {
                t.backend().copy(t.buffer(), 0, flat.buffer(), off, t.size());
            }
            off += t.size();
        }
        return flat;
    }

    private static List<int[]> shapesOf(List<Tensor> parts) {
        var l = new ArrayList<int[]>(parts.size());
        for (Tensor t : parts) {
            l.add(t.shape());
        }
        return l;
    }

    /** The parameter shapes of a model, in order. */
    public static List<int[]> shapes(Model m) {
        var l = new ArrayList<int[]>();
        for (Param p : m.params()) {
            l.add(p.shape());
        }
        return l;
    }

    /** Per-parameter views of the flat buffer, shaped like the parameters. */
    public List<Tensor> parts() {
        return parts;
    }

    /** The view of parameter i. */
    public Tensor get(int i) {
        return parts.get(i);
    }

    /** The parameter shapes, in order. */
    public List<int[]> shapes() {
        return shapes;
    }

    /** Total length P. */
    public long dim() {
        return flat.size();
    }

    public Backend backend() {
        return flat.backend();
    }

    public DType dtype() {
        return flat.dtype();
    }

    /** The current values of a model's parameters (copied into one flat buffer). */
    public static ParamVector of(Model m) {
        return new ParamVector(m.values());
    }

    /** Zeros shaped like the model's parameters. */
    public static ParamVector zeros(Model m) {
        Tensor v = m.params().getFirst().value();
        return zeros(v.backend(), v.dtype(), shapes(m));
    }

    /** Zeros of the given dtype on {@code be}, for parameters of the given shapes. */
    public static ParamVector zeros(Backend be, DType dtype, List<int[]> shapes) {
        long p = 0;
        for (int[] s : shapes) {
            p += Shapes.size(s);
        }
        return new ParamVector(Tensor.zeros(be, dtype, Math.toIntExact(p)), shapes);
    }

    /**
     * Standard normal entries shaped like the model's parameters; entry j of the flat vector is element j of the
     * counter-based stream of {@code seed}, so {@code randn(m, s).flatten()} equals {@code Tensor.randn(.., s, 0, 1, P)}.
     */
    public static ParamVector randn(Model m, long seed) {
        Tensor v = m.params().getFirst().value();
        return new ParamVector(Tensor.randn(v.backend(), v.dtype(), seed, 0, 1, Math.toIntExact(m.numParams())), shapes(m));
    }

    /** Random signs (+1 or -1 with equal probability), shaped like the parameters. */
    public static ParamVector rademacher(Model m, long seed) {
        Tensor v = m.params().getFirst().value();
        Tensor u = Tensor.uniform(v.backend(), v.dtype(), seed, 0, -1, 1, Math.toIntExact(m.numParams()));
        Tensor zero = Tensor.scalar(u.backend(), u.dtype(), 0);
        return new ParamVector(u.gt(zero).mul(2).add(-1), shapes(m));
    }

    /** The flat [P] buffer itself (not a copy: writes to it are writes to this vector). */
    public Tensor flatten() {
        return flat;
    }

    /** A flat [P] tensor seen as a model's parameters (a view of {@code flat}: no copy). */
    public static ParamVector unflatten(Model m, Tensor flat) {
        long p = m.numParams();
        if (flat.rank() != 1 || flat.dim(0) != p) {
            throw new IllegalArgumentException("unflatten: need a flat vector of length P = " + p + "; given "
                    + Arrays.toString(flat.shape()));
        }
        return new ParamVector(flat, shapes(m));
    }

    /** Splits V [k, P] into per-parameter blocks [k, shape...]. */
    static List<Tensor> unflattenBatch(Model m, Tensor vs) {
        long p = m.numParams();
        if (vs.rank() != 2 || vs.dim(1) != p) {
            throw new IllegalArgumentException("need V of shape [k, P = " + p + "]; given " + Arrays.toString(vs.shape()));
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

    private void check(String op, ParamVector o) {
        if (o.dim() != dim() || o.dtype() != dtype() || o.backend() != backend() || o.shapes.size() != shapes.size()) {
            throw new IllegalArgumentException(op + ": need a vector of " + shapes.size() + " parts, " + dtype() + "[" + dim()
                    + "] on " + backend().name() + "; given " + o.shapes.size() + " parts, " + o.dtype() + "[" + o.dim()
                    + "] on " + o.backend().name());
        }
    }

    /** {@code <this, o>} (the backend's dot over the flat buffers; one scalar to the host). */
    public double dot(ParamVector o) {
        check("dot", o);
        return backend().dot(dim(), flat.buffer(), o.flat.buffer());
    }

    /**
     * {@code <this, o>} left on the backend: an F64 scalar tensor holding the value {@link #dot} returns (the
     * backend's {@code dotInto}; nothing is copied to the host or waited for until it is read).
     */
    public Tensor dotOnBackend(ParamVector o) {
        check("dotOnBackend", o);
        Tensor out = Tensor.empty(backend(), carnot.kernels.DType.F64);
        backend().dotInto(dim(), flat.buffer(), o.flat.buffer(), out.buffer(), 0);
        return out;
    }

    /** Euclidean norm. */
    public double norm() {
        return Math.sqrt(dot(this));
    }

    /** {@code this + alpha x} (new vector). */
    public ParamVector axpy(double alpha, ParamVector x) {
        check("axpy", x);
        return copy().addScaled(alpha, x);
    }

    /** {@code alpha this} (new vector). */
    public ParamVector scale(double alpha) {
        Tensor out = Tensor.empty(backend(), dtype(), Math.toIntExact(dim()));
        backend().affine(flat.buffer(), out.buffer(), dim(), alpha, 0);
        return new ParamVector(out, shapes);
    }

    /** In place: {@code this ← this + alpha x}. Returns this. */
    public ParamVector addScaled(double alpha, ParamVector x) {
        check("addScaled", x);
        backend().axpy(dim(), alpha, x.flat.buffer(), flat.buffer());
        return this;
    }

    /** In place: {@code this ← src} (same layout; converted, rounding to nearest, when the dtypes differ). Returns this. */
    public ParamVector set(ParamVector src) {
        if (src.dim() != dim() || src.backend() != backend() || src.shapes.size() != shapes.size()) {
            throw new IllegalArgumentException("set: need a vector of " + shapes.size() + " parts, [" + dim() + "] on "
                    + backend().name() + "; given " + src.shapes.size() + " parts, [" + src.dim() + "] on " + src.backend().name());
        }
        if (src == this) {
            return this;
        }
        if (src.dtype() == dtype()) {
            backend().copy(src.flat.buffer(), 0, flat.buffer(), 0, dim());
        } else {
            backend().convert(src.flat.buffer(), flat.buffer(), dim());
        }
        return this;
    }

    /** A copy in a new buffer. */
    public ParamVector copy() {
        return to(dtype());
    }

    /** A copy converted to {@code dt} (one conversion kernel; rounds to nearest when narrowing). */
    public ParamVector to(DType dt) {
        Tensor out = Tensor.empty(backend(), dt, Math.toIntExact(dim()));
        if (dt == dtype()) {
            backend().copy(flat.buffer(), 0, out.buffer(), 0, dim());
        } else {
            backend().convert(flat.buffer(), out.buffer(), dim());
        }
        return new ParamVector(out, shapes);
    }

    /** All P values widened to double on the host (a download: for logging, checkpoints and tests). */
    public double[] toDoubles() {
        return flat.toDoubles();
    }

    /** Lets the buffer outlive {@code s}. Returns this. */
    public ParamVector keep(Scope s) {
        s.keep(flat);
        return this;
    }

    /** Frees the buffer (the views die with it). */
    @Override
    public void close() {
        flat.close();
    }
}
