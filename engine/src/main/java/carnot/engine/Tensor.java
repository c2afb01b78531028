package carnot.engine;

import carnot.engine.ops.Affine;
import carnot.engine.ops.BroadcastTo;
import carnot.engine.ops.Compare;
import carnot.engine.ops.Concat;
import carnot.engine.ops.DTanh;
import carnot.engine.ops.Exp;
import carnot.engine.ops.Gather;
import carnot.engine.ops.Gelu;
import carnot.engine.ops.LayerNorm;
import carnot.engine.ops.Log;
import carnot.engine.ops.LogSoftmax;
import carnot.engine.ops.MatMul;
import carnot.engine.ops.MatMulBias;
import carnot.engine.ops.Max;
import carnot.engine.ops.Permute;
import carnot.engine.ops.PowScalar;
import carnot.engine.ops.Primitive;
import carnot.engine.ops.Relu;
import carnot.engine.ops.Reshape;
import carnot.engine.ops.ScatterAdd;
import carnot.engine.ops.Shapes;
import carnot.engine.ops.Sigmoid;
import carnot.engine.ops.Slice;
import carnot.engine.ops.Softmax;
import carnot.engine.ops.Softplus;
import carnot.engine.ops.Sum;
import carnot.engine.ops.Tanh;
import carnot.engine.ops.Where;
import carnot.engine.ops.Add;
import carnot.engine.ops.Div;
import carnot.engine.ops.Mul;
import carnot.engine.ops.Sub;
import carnot.kernels.Backend;
import carnot.kernels.Binary;
import carnot.kernels.Buffer;
import carnot.kernels.DType;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * An immutable n-dimensional array of one {@link DType} on one {@link Backend}: dense row-major storage, a shape,
 * and optionally a tangent (forward mode) and a graph node (reverse mode).
 *
 * <p>Every op method goes through {@link #apply}: the primitive's forward computes the value, its jvp the
 * tangent when an input carries one, and a node is recorded when an input requires a gradient. Tangents are
 * batched: the tangent of a tensor of shape {@code s} has shape {@code [k, s...]} (k directions).
 *
 * <p>Memory is owned by the innermost open {@link Scope} at allocation time; {@link #close()} frees early.
 */
public final class Tensor implements AutoCloseable {
    private final Storage storage;
    private final DType dtype;
    private final int[] shape;
    private final Tensor tangent;
    private final Node node;
    private final boolean variable;

    private Tensor(Storage storage, DType dtype, int[] shape, Tensor tangent, Node node, boolean variable) {
        this.storage = storage;
        this.dtype = dtype;
        this.shape = shape;
        this.tangent = tangent;
        this.node = node;
        this.variable = variable;
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
        if (dtype == DType.F64) {
            be.upload(MemorySegment.ofArray(data), t.buffer(), 0, data.length);
        } else {
            float[] f = new float[data.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) data[i];
            }
            be.upload(MemorySegment.ofArray(f), t.buffer(), 0, f.length);
        }
        return t;
    }

    /** An I32 tensor of indices (class ids, token ids); not differentiable. */
    public static Tensor indices(Backend be, int[] data, int... shape) {
        if (data.length != Shapes.size(shape)) {
            throw new IllegalArgumentException("Tensor.indices: data length must equal the size of shape "
                    + Arrays.toString(shape) + "; given " + data.length);
        }
        Tensor t = zeros(be, DType.I32, shape);
        be.upload(MemorySegment.ofArray(data), t.buffer(), 0, data.length);
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
        return new Tensor(storage, dtype, shape, tangent, null, true);
    }

    /** The same values, no tangent and no graph. */
    public Tensor detach() {
        return tangent == null && node == null && !variable ? this : new Tensor(storage, dtype, shape, null, null, false);
    }

    /** The same values and tangent, no graph. */
    Tensor withoutGraph() {
        return node == null && !variable ? this : new Tensor(storage, dtype, shape, tangent, null, false);
    }

    /**
     * The same values (graph kept) carrying tangent {@code t}: shape {@code [k, shape...]} for k directions, or
     * exactly {@code shape} for one direction; null removes the tangent.
     */
    public Tensor withTangent(Tensor t) {
        if (t == null) {
            return new Tensor(storage, dtype, shape, null, node, variable);
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
        return new Tensor(storage, dtype, shape, tt, node, variable);
    }

    /** A view of the same storage with another shape of equal size (used by {@link Reshape}). */
    public Tensor view(int... newShape) {
        if (Shapes.size(newShape) != size()) {
            throw new IllegalArgumentException("view: size must stay " + size() + " of shape " + Arrays.toString(shape)
                    + "; given shape " + Arrays.toString(newShape));
        }
        return new Tensor(storage, dtype, newShape.clone(), null, null, false);
    }

    // ---- host access --------------------------------------------------------------------------------------

    /** All elements widened to double (row-major). */
    public double[] toDoubles() {
        int n = Math.toIntExact(size());
        Backend be = backend();
        switch (dtype) {
            case F64 -> {
                double[] d = new double[n];
                be.download(buffer(), 0, MemorySegment.ofArray(d), n);
                return d;
            }
            case F32 -> {
                float[] f = new float[n];
                be.download(buffer(), 0, MemorySegment.ofArray(f), n);
                double[] d = new double[n];
                for (int i = 0; i < n; i++) {
                    d[i] = f[i];
                }
                return d;
            }
            default -> {
                int[] ints = toInts();
                double[] d = new double[n];
                for (int i = 0; i < n; i++) {
                    d[i] = ints[i];
                }
                return d;
            }
        }
    }

    /** All elements of an I32 tensor. */
    public int[] toInts() {
        if (dtype != DType.I32) {
            throw new IllegalArgumentException("toInts: dtype must be I32; given " + dtype);
        }
        int[] d = new int[Math.toIntExact(size())];
        backend().download(buffer(), 0, MemorySegment.ofArray(d), d.length);
        return d;
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
     * tangents must have the same k), and a graph node when an input requires a gradient.
     */
    public static Tensor apply(Primitive p, Tensor... in) {
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
        Tensor out = tans == null && !grad ? TangentTape.forward(p, plain) : p.forward(plain);
        Tensor tan = tans == null ? null : p.jvp(plain, out, tans);
        if (tan != null && (tan.shape.length != out.shape.length + 1 || tan.shape[0] != k)) {
            throw new IllegalStateException(p.name() + ": jvp must give shape [" + k + ", " + Arrays.toString(out.shape)
                    + "]; gave " + Arrays.toString(tan.shape));
        }
        if (tan == null && !grad) {
            return out;
        }
        Tensor stored = tan == null ? null : tan.detach();
        if (stored != null) {
            TangentTape.record(p, plain, out, tans, stored);
        }
        return new Tensor(out.storage, out.dtype, out.shape, stored, grad ? new Node(p, in) : null, false);
    }

    // ---- elementwise --------------------------------------------------------------------------------------

    /** {@code this + b} with NumPy broadcasting. */
    public Tensor add(Tensor b) {
        return apply(new Add(), this, b);
    }

    /** {@code this - b} with broadcasting. */
    public Tensor sub(Tensor b) {
        return apply(new Sub(), this, b);
    }

    /** {@code this * b} elementwise with broadcasting. */
    public Tensor mul(Tensor b) {
        return apply(new Mul(), this, b);
    }

    /** {@code this / b} elementwise with broadcasting. */
    public Tensor div(Tensor b) {
        return apply(new Div(), this, b);
    }

    /** {@code this + c}. */
    public Tensor add(double c) {
        return affine(1, c);
    }

    /** {@code this - c}. */
    public Tensor sub(double c) {
        return affine(1, -c);
    }

    /** {@code this * c}. */
    public Tensor mul(double c) {
        return affine(c, 0);
    }

    /** {@code this / c}. */
    public Tensor div(double c) {
        return affine(1 / c, 0);
    }

    /** {@code alpha * this + beta}. */
    public Tensor affine(double alpha, double beta) {
        return apply(new Affine(alpha, beta), this);
    }

    /** {@code -this}. */
    public Tensor neg() {
        return affine(-1, 0);
    }

    public Tensor exp() {
        return apply(new Exp(), this);
    }

    /** Natural logarithm. */
    public Tensor log() {
        return apply(new Log(), this);
    }

    /** {@code this^p} elementwise for a constant exponent. */
    public Tensor pow(double p) {
        return apply(new PowScalar(p), this);
    }

    /** {@code this^b = exp(b log this)} elementwise (this &gt; 0). */
    public Tensor pow(Tensor b) {
        return b.mul(log()).exp();
    }

    public Tensor sqrt() {
        return pow(0.5);
    }

    public Tensor square() {
        return pow(2);
    }

    public Tensor tanh() {
        return apply(new Tanh(), this);
    }

    /** {@code 1 - tanh(this)^2}, the derivative of tanh. */
    public Tensor dtanh() {
        return apply(new DTanh(), this);
    }

    public Tensor relu() {
        return apply(new Relu(), this);
    }

    /** GELU, tanh form: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    public Tensor gelu() {
        return apply(new Gelu(), this);
    }

    public Tensor sigmoid() {
        return apply(new Sigmoid(), this);
    }

    /** {@code log(1 + exp(x))}. */
    public Tensor softplus() {
        return apply(new Softplus(), this);
    }

    /** Mask {@code this > b} (1 or 0), broadcasting; zero derivative. */
    public Tensor gt(Tensor b) {
        return apply(new Compare(Binary.GT), this, b);
    }

    /** Mask {@code this >= b}; zero derivative. */
    public Tensor ge(Tensor b) {
        return apply(new Compare(Binary.GE), this, b);
    }

    /** Mask {@code this == b}; zero derivative. */
    public Tensor eq(Tensor b) {
        return apply(new Compare(Binary.EQ), this, b);
    }

    /** {@code mask != 0 ? a : b} elementwise; all three are broadcast to a common shape. */
    public static Tensor where(Tensor mask, Tensor a, Tensor b) {
        int[] s = Shapes.broadcast(Shapes.broadcast(mask.shape, a.shape), b.shape);
        return apply(new Where(), mask.broadcastTo(s), a.broadcastTo(s), b.broadcastTo(s));
    }

    // ---- linear algebra -----------------------------------------------------------------------------------

    /** {@code this @ b} over the last two axes, batch axes broadcast: [..., m, n] x [..., n, p] -> [..., m, p]. */
    public Tensor matmul(Tensor b) {
        return apply(new MatMul(false, false), this, b);
    }

    /** {@code op(this) @ op(b)} where op transposes the last two axes when its flag is set (no copy is made). */
    public Tensor matmul(Tensor b, boolean transThis, boolean transB) {
        return apply(new MatMul(transThis, transB), this, b);
    }

    /** {@code op(this) @ op(b) + c} with c (e.g. a bias [n]) broadcast to the product: one GEMM accumulating into c. */
    public Tensor matmulAdd(Tensor b, Tensor c, boolean transThis, boolean transB) {
        return apply(new MatMulBias(transThis, transB), this, b, c);
    }

    // ---- reductions ---------------------------------------------------------------------------------------

    /** Sum over {@code axes} (all axes when none given), removing them. */
    public Tensor sum(int... axes) {
        int[] ax = axes.length == 0 ? Shapes.range(rank()) : Shapes.axes(axes, rank());
        return apply(new Sum(ax), this).reshape(Shapes.remove(shape, ax));
    }

    /** Sum over {@code axes}, keeping them with extent 1. */
    public Tensor sumKeep(int... axes) {
        return apply(new Sum(Shapes.axes(axes, rank())), this);
    }

    /** Mean over {@code axes} (all when none given), removing them. */
    public Tensor mean(int... axes) {
        int[] ax = axes.length == 0 ? Shapes.range(rank()) : Shapes.axes(axes, rank());
        long n = 1;
        for (int a : ax) {
            n *= shape[a];
        }
        return sum(ax).mul(1.0 / n);
    }

    /** Maximum over {@code axes} (all when none given), removing them; ties share the gradient equally. */
    public Tensor max(int... axes) {
        int[] ax = axes.length == 0 ? Shapes.range(rank()) : Shapes.axes(axes, rank());
        return apply(new Max(ax), this).reshape(Shapes.remove(shape, ax));
    }

    /** Sums this (broadcast result) down to {@code target}, the adjoint of {@link #broadcastTo}. */
    public Tensor sumTo(int... target) {
        if (Arrays.equals(shape, target)) {
            return this;
        }
        int[] ax = Shapes.reducedAxes(shape, target);
        Tensor s = ax.length == 0 ? this : apply(new Sum(ax), this);
        return s.reshape(target);
    }

    // ---- shape --------------------------------------------------------------------------------------------

    /** Same elements, new shape; one extent may be -1 (inferred). No copy. */
    public Tensor reshape(int... newShape) {
        int[] s = Shapes.inferReshape(shape, newShape);
        if (Arrays.equals(s, shape)) {
            return this;
        }
        return apply(new Reshape(s), this);
    }

    /** Swaps axes a and b (copies). */
    public Tensor transpose(int a, int b) {
        int[] perm = Shapes.range(rank());
        int x = Shapes.axis(a, rank());
        int y = Shapes.axis(b, rank());
        perm[x] = y;
        perm[y] = x;
        return permute(perm);
    }

    /** Axis i of the result is axis {@code perm[i]} of this (copies). */
    public Tensor permute(int... perm) {
        return apply(new Permute(perm), this);
    }

    /** Elements {@code [from, to)} along {@code axis}. */
    public Tensor slice(int axis, int from, int to) {
        return apply(new Slice(Shapes.axis(axis, rank()), from, to), this);
    }

    /** Concatenation along {@code axis}; other extents must agree. */
    public static Tensor concat(int axis, Tensor... parts) {
        return apply(new Concat(Shapes.axis(axis, parts[0].rank())), parts);
    }

    /** Broadcasts (NumPy rules) to {@code target} by copying. */
    public Tensor broadcastTo(int... target) {
        if (Arrays.equals(shape, target)) {
            return this;
        }
        return apply(new BroadcastTo(target), this);
    }

    // ---- indexing -----------------------------------------------------------------------------------------

    /** Embedding lookup: this is a table [R, C], {@code idx} I32 of any shape S; result [S..., C]. */
    public Tensor gather(Tensor idx) {
        return apply(new Gather(), this, idx);
    }

    /** Adjoint of gather: this [S..., C] added into a zero table [rows, C] at rows {@code idx} (shape S). */
    public Tensor scatterAdd(Tensor idx, int rows) {
        return apply(new ScatterAdd(rows), this, idx);
    }

    // ---- rows ---------------------------------------------------------------------------------------------

    /** Softmax over the last axis. */
    public Tensor softmax() {
        return apply(new Softmax(), this);
    }

    /** Log-softmax over the last axis. */
    public Tensor logSoftmax() {
        return apply(new LogSoftmax(), this);
    }

    /** {@code (x - mean) / sqrt(var + eps)} over the last axis (biased variance, no gain or bias). */
    public Tensor layerNorm(double eps) {
        return apply(new LayerNorm(eps), this);
    }
}
