package carnot.engine;

import carnot.engine.ops.Affine;
import carnot.engine.ops.Attention;
import carnot.engine.ops.BroadcastTo;
import carnot.engine.ops.Compare;
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
import carnot.engine.ops.Add;
import carnot.engine.ops.Div;
import carnot.engine.ops.Mul;
import carnot.engine.ops.Sub;
import carnot.kernels.Binary;

import java.util.Arrays;

/**
 * The op methods of {@link Tensor} ({@code x.add(y)}, {@code x.tanh()}, {@code x.sum(0)}, ...): each builds its
 * primitive and goes through {@link Tensor#apply}, so each is differentiable in both modes. Only {@link Tensor}
 * implements it; the static ops ({@link Tensor#where}, {@link Tensor#concat}) and the factories stay on
 * {@link Tensor}.
 */
public sealed interface TensorOps permits Tensor {

    /** The tensor the ops act on. */
    private Tensor self() {
        return (Tensor) this;
    }

    // ---- elementwise --------------------------------------------------------------------------------------

    /** {@code this + b} with NumPy broadcasting. */
    default Tensor add(Tensor b) {
        return Tensor.apply(new Add(), self(), b);
    }

    /** {@code this - b} with broadcasting. */
    default Tensor sub(Tensor b) {
        return Tensor.apply(new Sub(), self(), b);
    }

    /** {@code this * b} elementwise with broadcasting. */
    default Tensor mul(Tensor b) {
        return Tensor.apply(new Mul(), self(), b);
    }

    /** {@code this / b} elementwise with broadcasting. */
    default Tensor div(Tensor b) {
        return Tensor.apply(new Div(), self(), b);
    }

    /** {@code this + c}. */
    default Tensor add(double c) {
        return affine(1, c);
    }

    /** {@code this - c}. */
    default Tensor sub(double c) {
        return affine(1, -c);
    }

    /** {@code this * c}. */
    default Tensor mul(double c) {
        return affine(c, 0);
    }

    /** {@code this / c}. */
    default Tensor div(double c) {
        return affine(1 / c, 0);
    }

    /** {@code alpha * this + beta}. */
    default Tensor affine(double alpha, double beta) {
        return Tensor.apply(new Affine(alpha, beta), self());
    }

    /** {@code -this}. */
    default Tensor neg() {
        return affine(-1, 0);
    }

    default Tensor exp() {
        return Tensor.apply(new Exp(), self());
    }

    /** Natural logarithm. */
    default Tensor log() {
        return Tensor.apply(new Log(), self());
    }

    /** {@code this^p} elementwise for a constant exponent. */
    default Tensor pow(double p) {
        return Tensor.apply(new PowScalar(p), self());
    }

    /** {@code this^b = exp(b log this)} elementwise (this &gt; 0). */
    default Tensor pow(Tensor b) {
        return b.mul(log()).exp();
    }

    default Tensor sqrt() {
        return pow(0.5);
    }

    default Tensor square() {
        return pow(2);
    }

    default Tensor tanh() {
        return Tensor.apply(new Tanh(), self());
    }

    /** {@code 1 - tanh(this)^2}, the derivative of tanh. */
    default Tensor dtanh() {
        return Tensor.apply(new DTanh(), self());
    }

    default Tensor relu() {
        return Tensor.apply(new Relu(), self());
    }

    /** GELU, tanh form: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    default Tensor gelu() {
        return Tensor.apply(new Gelu(), self());
    }

    default Tensor sigmoid() {
        return Tensor.apply(new Sigmoid(), self());
    }

    /** {@code log(1 + exp(x))}. */
    default Tensor softplus() {
        return Tensor.apply(new Softplus(), self());
    }

    /** Mask {@code this > b} (1 or 0), broadcasting; zero derivative. */
    default Tensor gt(Tensor b) {
        return Tensor.apply(new Compare(Binary.GT), self(), b);
    }

    /** Mask {@code this >= b}; zero derivative. */
    default Tensor ge(Tensor b) {
        return Tensor.apply(new Compare(Binary.GE), self(), b);
    }

    /** Mask {@code this == b}; zero derivative. */
    default Tensor eq(Tensor b) {
        return Tensor.apply(new Compare(Binary.EQ), self(), b);
    }


    // ---- linear algebra -----------------------------------------------------------------------------------

    /** {@code this @ b} over the last two axes, batch axes broadcast: [..., m, n] x [..., n, p] -> [..., m, p]. */
    default Tensor matmul(Tensor b) {
        return Tensor.apply(new MatMul(false, false), self(), b);
    }

    /** {@code op(this) @ op(b)} where op transposes the last two axes when its flag is set (no copy is made). */
    default Tensor matmul(Tensor b, boolean transThis, boolean transB) {
        return Tensor.apply(new MatMul(transThis, transB), self(), b);
    }

    /** {@code op(this) @ op(b) + c} with c (e.g. a bias [n]) broadcast to the product: one GEMM accumulating into c. */
    default Tensor matmulAdd(Tensor b, Tensor c, boolean transThis, boolean transB) {
        return Tensor.apply(new MatMulBias(transThis, transB), self(), b, c);
    }

    // ---- reductions ---------------------------------------------------------------------------------------

    /** Sum over {@code axes} (all axes when none given), removing them. */
    default Tensor sum(int... axes) {
        int r = self().rank();
        int[] ax = axes.length == 0 ? Shapes.range(r) : Shapes.axes(axes, r);
        return Tensor.apply(new Sum(ax), self()).reshape(Shapes.remove(self().shape(), ax));
    }

    /** Sum over {@code axes}, keeping them with extent 1. */
    default Tensor sumKeep(int... axes) {
        return Tensor.apply(new Sum(Shapes.axes(axes, self().rank())), self());
    }

    /** Mean over {@code axes} (all when none given), removing them. */
    default Tensor mean(int... axes) {
        int r = self().rank();
        int[] ax = axes.length == 0 ? Shapes.range(r) : Shapes.axes(axes, r);
        int[] shape = self().shape();
        long n = 1;
        for (int a : ax) {
            n *= shape[a];
        }
        return sum(ax).mul(1.0 / n);
    }

    /** Maximum over {@code axes} (all when none given), removing them; ties share the gradient equally. */
    default Tensor max(int... axes) {
        int r = self().rank();
        int[] ax = axes.length == 0 ? Shapes.range(r) : Shapes.axes(axes, r);
        return Tensor.apply(new Max(ax), self()).reshape(Shapes.remove(self().shape(), ax));
    }

    /** Sums this (broadcast result) down to {@code target}, the adjoint of {@link #broadcastTo}. */
    default Tensor sumTo(int... target) {
        int[] shape = self().shape();
        if (Arrays.equals(shape, target)) {
            return self();
        }
        int[] ax = Shapes.reducedAxes(shape, target);
        Tensor s = ax.length == 0 ? self() : Tensor.apply(new Sum(ax), self());
        return s.reshape(target);
    }

    // ---- shape ----------------------------------------------------------------------------------------------------

    /** Same elements, new shape; one extent may be -1 (inferred). No copy. */
    default Tensor reshape(int... newShape) {
        int[] shape = self().shape();
        int[] s = Shapes.inferReshape(shape, newShape);
        if (Arrays.equals(s, shape)) {
            return self();
        }
        return Tensor.apply(new Reshape(s), self());
    }

    /** Swaps axes a and b (copies). */
    default Tensor transpose(int a, int b) {
        int r = self().rank();
        int[] perm = Shapes.range(r);
        int x = Shapes.axis(a, r);
        int y = Shapes.axis(b, r);
        perm[x] = y;
        perm[y] = x;
        return permute(perm);
    }

    /** Axis i of the result is axis {@code perm[i]} of this (copies). */
    default Tensor permute(int... perm) {
        return Tensor.apply(new Permute(perm), self());
    }

    /** Elements {@code [from, to)} along {@code axis}. */
    default Tensor slice(int axis, int from, int to) {
        return Tensor.apply(new Slice(Shapes.axis(axis, self().rank()), from, to), self());
    }


    /** Broadcasts (NumPy rules) to {@code target} by copying. */
    default Tensor broadcastTo(int... target) {
        if (Arrays.equals(self().shape(), target)) {
            return self();
        }
        return Tensor.apply(new BroadcastTo(target), self());
    }

    // ---- indexing -----------------------------------------------------------------------------------------

    /** Embedding lookup: this is a table [R, C], {@code idx} I32 of any shape S; result [S..., C]. */
    default Tensor gather(Tensor idx) {
        return Tensor.apply(new Gather(), self(), idx);
    }

    /** Adjoint of gather: this [S..., C] added into a zero table [rows, C] at rows {@code idx} (shape S). */
    default Tensor scatterAdd(Tensor idx, int rows) {
        return Tensor.apply(new ScatterAdd(rows), self(), idx);
    }

    // ---- rows ---------------------------------------------------------------------------------------------

    /** Softmax over the last axis. */
    default Tensor softmax() {
        return Tensor.apply(new Softmax(), self());
    }

    /** Log-softmax over the last axis. */
    default Tensor logSoftmax() {
        return Tensor.apply(new LogSoftmax(), self());
    }

    /**
     * Fused causal attention with this as the queries q [B, Tq, H, dh], keys and values [B, Tk, H, dh] (Tq <= Tk;
     * query i sees keys j <= i + Tk - Tq): {@code softmax(scale q kᵀ + mask) v} per (b, h), out [B, Tq, H, dh]
     * ({@link Attention}).
     */
    default Tensor attention(Tensor k, Tensor v, double scale) {
        return Tensor.apply(new Attention(scale), self(), k, v);
    }

    /** {@code (x - mean) / sqrt(var + eps)} over the last axis (biased variance, no gain or bias). */
    default Tensor layerNorm(double eps) {
        return Tensor.apply(new LayerNorm(eps), self());
    }
}
