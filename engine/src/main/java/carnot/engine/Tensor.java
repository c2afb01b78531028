package carnot.engine;

import carnot.engine.ops.Concat;
import carnot.engine.ops.Primitive;
import carnot.engine.ops.Shapes;
import carnot.engine.ops.Where;
import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;

import java.util.Arrays;

/**
 * An immutable n-dimensional array of one {@link DType} on one {@link Backend}: dense row-major storage, a shape,
 * and optionally a tangent (forward mode) and a graph node (reverse mode).
 *
 * <p>Every op method ({@link TensorOps}) goes through {@link #apply}: the primitive's forward computes the value,
 * its jvp the tangent when an input carries one, and a node is recorded when an input requires a gradient.
 * Tangents are batched: the tangent of a tensor of shape {@code s} has shape {@code [k, s...]} (k directions).
 * A tensor (or its tangent) may carry a {@link Tracer}, set only by the code that runs a traced pass; an apply
 * with a traced input is handed to that tracer instead (it records or reuses, then dispatches as usual).
 *
 * <p>Memory is owned by the innermost open {@link Scope} at allocation time; {@link #close()} frees early.
 */
public final class Tensor implements TensorOps, AutoCloseable {
    private final Storage storage;
    private final DType dtype;
    private final int[] shape;
    private final Tensor tangent;
    private final Node node;
    private final boolean variable;
    private final Tracer tracer;

    private Tensor(Storage storage, DType dtype, int[] shape, Tensor tangent, Node node, boolean variable, Tracer tracer) {
        this.storage = storage;
        this.dtype = dtype;
        this.shape = shape;
        this.tangent = tangent;
        this.node = node;
        this.variable = variable;
        this.tracer = tracer;
    }

    private Tensor(Storage storage, DType dtype, int[] shape, Tensor tangent, Node node, boolean variable) {
        this(storage, dtype, shape, tangent, node, variable, null);
    }

    // ---- factories ----------------------------------------------------------------------------------------

    /** A new zero-filled tensor of the given shape (rank 0 = scalar). Primitives allocate outputs with it. */
    public static Tensor zeros(Backend be, DType dtype, int... shape) {
        return new Tensor(Storage.allocate(be, dtype, Shapes.size(shape), true), dtype, shape.clone(), null, null, false);
    }

    /** A new tensor with undefined contents, for primitive outputs that overwrite every element. */
    public static Tensor empty(Backend be, DType dtype, int... shape) {
        return new Tensor(Storage.allocate(be, dtype, Shapes.size(shape), false), dtype, shape.clone(), null, null, false);
    }

    /** A new tensor filled with {@code value}. */
    public static Tensor full(Backend be, DType dtype, double value, int... shape) {
        Tensor t = zeros(be, dtype, shape);
        if (value != 0) {
            be.fill(t.buffer(), 0, t.size(), value);
        }
        return t;
    }

    /** A new tensor of ones. */
    public static Tensor ones(Backend be, DType dtype, int... shape) {
        return full(be, dtype, 1, shape);
    }

    /** A rank-0 tensor holding {@code value}. */
    public static Tensor scalar(Backend be, DType dtype, double value) {
        return full(be, dtype, value);
    }

    /** A tensor holding {@code data} (row-major, rounded to F32 when dtype is F32); data.length must equal the shape's size. */
    public static Tensor of(Backend be, DType dtype, double[] data, int... shape) {
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException("Tensor.of: dtype must be F32 or F64; given " + dtype + " (use indices for I32)");
        }
        if (data.length != Shapes.size(shape)) {
            throw new IllegalArgumentException("Tensor.of: data length must equal the size of shape " + Arrays.toString(shape)
                    + " = " + Shapes.size(shape) + "; given " + data.length);
        }
        Tensor t = zeros(be, dtype, shape);
        HostIO.upload(data, t);
        return t;
    }

    /** An I32 tensor of indices (class ids, token ids); not differentiable. */
    public static Tensor indices(Backend be, int[] data, int... shape) {
        if (data.length != Shapes.size(shape)) {
            throw new IllegalArgumentException("Tensor.indices: data length must equal the size of shape "
                    + Arrays.toString(shape) + "; given " + data.length);
        }
        Tensor t = zeros(be, DType.I32, shape);
        HostIO.upload(data, t);
        return t;
    }

    /**
     * {@code std * N(0,1)} entries from the counter-based stream {@code (seed, offset + i)}: identical on every
     * backend, and element i does not depend on the shape.
     */
    public static Tensor randn(Backend be, DType dtype, long seed, long offset, double std, int... shape) {
        Tensor t = zeros(be, dtype, shape);
        be.normal(t.buffer(), t.size(), seed, offset, 0, std);
        return t;
    }

    /** Uniform entries in {@code [lo, hi)} from the counter-based stream {@code (seed, offset + i)}. */
    public static Tensor uniform(Backend be, DType dtype, long seed, long offset, double lo, double hi, int... shape) {
        Tensor t = zeros(be, dtype, shape);
        be.uniform(t.buffer(), t.size(), seed, offset, lo, hi);
        return t;
    }

    // ---- accessors ----------------------------------------------------------------------------------------

    public int[] shape() {
        return shape.clone();
    }

    /** Extent of axis {@code i}; negative i counts from the end. */
    public int dim(int i) {
        return shape[Shapes.axis(i, shape.length)];
    }

    public int rank() {
        return shape.length;
    }

    public long size() {
        return Shapes.size(shape);
    }

    public DType dtype() {
        return dtype;
    }

    public Backend backend() {
        return storage.backend();
    }

    /** The dense row-major buffer (element 0 = first element). */
    public Buffer buffer() {
        return storage.buffer();
    }

    Storage storage() {
        return storage;
    }

    Node node() {
        return node;
    }

    /** The tangent ({@code [k, shape...]}) or null (zero). */
    public Tensor tangent() {
        return tangent;
    }

    /** Number of tangent directions k, or 0 when there is no tangent. */
    public int tangentBatch() {
        return tangent == null ? 0 : tangent.shape[0];
    }

    /** True when reverse mode tracks this tensor (a {@link #variable()} or computed from one). */
    public boolean requiresGrad() {
        return variable || node != null;
    }

    boolean isVariable() {
        return variable;
    }

    // ---- views --------------------------------------------------------------------------------------------

    /** The same values as a leaf that reverse mode differentiates with respect to (tangent kept). */
    public Tensor variable() {
        return new Tensor(storage, dtype, shape, tangent, null, true, tracer);
    }

    /** The same values, no tangent and no graph (a tracer stays: it belongs to the values). */
    public Tensor detach() {
        return tangent == null && node == null && !variable ? this : new Tensor(storage, dtype, shape, null, null, false, tracer);
    }

    /** The same values and tangent, no graph. */
    Tensor withoutGraph() {
        return node == null && !variable ? this : new Tensor(storage, dtype, shape, tangent, null, false, tracer);
    }

    /** The tracer this tensor's applies go to, or null. */
    Tracer tracer() {
        return tracer;
    }

    /** The same tensor (values, tangent, graph) with its applies going to {@code t} (null: dispatched directly). */
    Tensor traced(Tracer t) {
        return t == tracer ? this : new Tensor(storage, dtype, shape, tangent, node, variable, t);
    }

    /**
     * The same values (graph kept) carrying tangent {@code t}: shape {@code [k, shape...]} for k directions, or
     * exactly {@code shape} for one direction; null removes the tangent.
     */
    public Tensor withTangent(Tensor t) {
        if (t == null) {
            return new Tensor(storage, dtype, shape, null, node, variable, tracer);
        }
        if (t.dtype != dtype || t.backend() != backend()) {
            throw new IllegalArgumentException("withTangent: tangent must have dtype " + dtype + " on " + backend().name()
                    + "; given " + t.dtype + " on " + t.backend().name());
        }
        Tensor tt = t.detach();
        if (Arrays.equals(t.shape, shape)) {
            tt = tt.reshape(Shapes.prepend(1, shape));
        } else if (t.shape.length != shape.length + 1 || !Arrays.equals(Arrays.copyOfRange(t.shape, 1, t.shape.length), shape)) {
            throw new IllegalArgumentException("withTangent: tangent shape must be " + Arrays.toString(shape) + " or [k, "
                    + Arrays.toString(shape).substring(1) + "; given " + Arrays.toString(t.shape));
        }
        return new Tensor(storage, dtype, shape, tt, node, variable, tracer);
    }

    /** A view of the same storage with another shape of equal size (used by {@link Reshape}). */
    public Tensor view(int... newShape) {
        if (Shapes.size(newShape) != size()) {
            throw new IllegalArgumentException("view: size must stay " + size() + " of shape " + Arrays.toString(shape)
                    + "; given shape " + Arrays.toString(newShape));
        }
        return new Tensor(storage, dtype, newShape.clone(), null, null, false);
    }

    /**
     * Elements {@code [off, off + size(shape))} of this tensor's row-major values as a tensor of that shape sharing
     * the storage (no copy; writes through either are seen by both). It owns nothing: it is dead once this
     * tensor's storage is freed. How a {@link ParamVector} gives per-parameter views of its flat buffer.
     */
    public Tensor range(long off, int... shape) {
        long n = Shapes.size(shape);
        if (off < 0 || off > size() - n) {
            throw new IllegalArgumentException("range: need 0 <= off and off + " + n + " <= " + size() + " elements of "
                    + this + "; given off " + off + " and shape " + Arrays.toString(shape));
        }
        return new Tensor(Storage.view(storage, off, n), dtype, shape.clone(), null, null, false);
    }

    /** The values converted to {@code dt} (rounded to nearest when narrowing), not differentiated: this tensor
     *  detached when it already has dtype {@code dt}, else a new one (one conversion kernel). */
    public Tensor to(DType dt) {
        if (dt == dtype) {
            return detach();
        }
        Tensor out = empty(backend(), dt, shape);
        backend().convert(buffer(), out.buffer(), size());
        return out;
    }

    // ---- host access --------------------------------------------------------------------------------------

    /** All elements widened to double (row-major). */
    public double[] toDoubles() {
        return HostIO.doubles(this);
    }

    /** All elements of an I32 tensor. */
    public int[] toInts() {
        if (dtype != DType.I32) {
            throw new IllegalArgumentException("toInts: dtype must be I32; given " + dtype);
        }
        return HostIO.ints(this);
    }

    /** The single element of a size-1 tensor. */
    public double item() {
        if (size() != 1) {
            throw new IllegalArgumentException("item: tensor must have exactly one element; given shape " + Arrays.toString(shape));
        }
        return toDoubles()[0];
    }

    /** Frees the storage now (shared by all views of it). Later use of any view throws. */
    @Override
    public void close() {
        storage.free();
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + " " + dtype + (tangent != null ? " +tangent[" + tangent.shape[0] + "]" : "")
                + (requiresGrad() ? " grad" : "");
    }

    // ---- dispatch -----------------------------------------------------------------------------------------

    /**
     * Applies a primitive: forward on the plain inputs, the jvp when an input carries a tangent (all carried
     * tangents must have the same k), and a graph node when an input requires a gradient. When an input or its
     * tangent carries a {@link Tracer}, the first such tracer gets the apply ({@link Tracer#apply}).
     */
    public static Tensor apply(Primitive p, Tensor... in) {
        for (Tensor x : in) {
            Tracer t = x.tracer != null ? x.tracer : x.tangent != null ? x.tangent.tracer : null;
            if (t != null) {
                return t.apply(p, in);
            }
        }
        return dispatch(p, in);
    }

    /** {@link #apply} without looking at tracers: what a tracer calls to compute the apply it was handed. */
    static Tensor dispatch(Primitive p, Tensor... in) {
        Tensor[] plain = new Tensor[in.length];
        Tensor[] tans = null;
        boolean grad = false;
        int k = 0;
        Backend be = in[0].backend();
        for (int i = 0; i < in.length; i++) {
            Tensor x = in[i];
            if (x.backend() != be) {
                throw new IllegalArgumentException(p.name() + ": all inputs must be on backend " + be.name() + "; input " + i
                        + " is on " + x.backend().name());
            }
            plain[i] = x.detach();
            grad |= x.requiresGrad();
            if (x.tangent != null) {
                if (tans == null) {
                    tans = new Tensor[in.length];
                    k = x.tangent.shape[0];
                } else if (x.tangent.shape[0] != k) {
                    throw new IllegalArgumentException(p.name() + ": all tangents must have the same batch k = " + k
                            + "; input " + i + " has k = " + x.tangent.shape[0]);
                }
                tans[i] = x.tangent;
            }
        }
        Tensor out = p.forward(plain);
        Tensor tan = tans == null ? null : p.jvp(plain, out, tans);
        if (tan != null && (tan.shape.length != out.shape.length + 1 || tan.shape[0] != k)) {
            throw new IllegalStateException(p.name() + ": jvp must give shape [" + k + ", " + Arrays.toString(out.shape)
                    + "]; gave " + Arrays.toString(tan.shape));
        }
        if (tan == null && !grad) {
            return out;
        }
        Tensor stored = tan == null ? null : tan.detach();
        return new Tensor(out.storage, out.dtype, out.shape, stored, grad ? new Node(p, in) : null, false);
    }

    // ---- static ops -------------------------------------------------------------------------------------

    /** {@code mask != 0 ? a : b} elementwise; all three are broadcast to a common shape. */
    public static Tensor where(Tensor mask, Tensor a, Tensor b) {
        int[] s = Shapes.broadcast(Shapes.broadcast(mask.shape, a.shape), b.shape);
        return apply(new Where(), mask.broadcastTo(s), a.broadcastTo(s), b.broadcastTo(s));
    }

    /** Concatenation along {@code axis}; other extents must agree. */
    public static Tensor concat(int axis, Tensor... parts) {
        return apply(new Concat(Shapes.axis(axis, parts[0].rank())), parts);
    }
}
