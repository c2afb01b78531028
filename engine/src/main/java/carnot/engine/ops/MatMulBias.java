package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Broadcast;

import java.util.Arrays;

/**
 * {@code out = op(A) op(B) + c}, c broadcast to the product's shape (typically a bias [n] of a linear layer).
 * The output starts as the broadcast copy of c and the GEMM accumulates into it (beta = 1), as BLAS's
 * {@code C = AB + C} and {@code torch.addmm} do, so the bias costs no read-modify-write pass over the output.
 * Shapes as {@link MatMul}; c must broadcast to the product's shape without growing it.
 * Decomposed definition (the test oracle): {@code matmul(A, B).add(c)}.
 * <ul>
 *   <li>jvp: {@code op(tA) op(B) + op(A) op(tB) + tc}: one {@link MatMulSum} with addend tc when both factors
 *       carry tangents, one MatMulBias when only one does (e.g. a first layer, whose input has no tangent).</li>
 *   <li>vjp: the {@link MatMul} rules for A and B, {@code sumTo(g, c.shape)} for c.</li>
 * </ul>
 */
public record MatMulBias(boolean transA, boolean transB) implements Primitive {
    @Override
    public String name() {
        return "matmulBias";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Shapes.sameDtype("matmulBias", in[0], in[2]);
        Tensor acc = broadcastCopy(in[2], MatMul.shape(in[0], in[1], transA, transB), "matmulBias");
        return MatMul.product(in[0], in[1], transA, transB, acc);
    }

    /** A dense copy of c broadcast to {@code shape}; c must not need to grow it. */
    static Tensor broadcastCopy(Tensor c, int[] shape, String op) {
        Broadcast bc = Broadcast.of(c.shape(), shape);
        if (!Arrays.equals(bc.shape(), shape)) {
            throw new IllegalArgumentException(op + ": addend " + Arrays.toString(c.shape())
                    + " must broadcast to the product's shape " + Arrays.toString(shape));
        }
        return Kernels.strided(c, shape, bc.stridesA(), 0);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        int r = out.rank();
        int k = Shapes.batch(t);
        Tensor tc = t[2] == null ? null : Shapes.align(t[2], r);
        Tensor s;
        if (t[0] != null && t[1] != null) {
            Tensor ta = Shapes.align(t[0], r);
            Tensor tb = Shapes.align(t[1], r);
            MatMulSum sum = new MatMulSum(transA, transB);
            s = tc == null ? Tensor.apply(sum, ta, in[1], in[0], tb) : Tensor.apply(sum, ta, in[1], in[0], tb, tc);
        } else if (t[0] != null || t[1] != null) {
            Tensor a = t[0] != null ? Shapes.align(t[0], r) : in[0];
            Tensor b = t[1] != null ? Shapes.align(t[1], r) : in[1];
            s = tc == null ? a.matmul(b, transA, transB) : Tensor.apply(this, a, b, tc);
        } else {
            s = tc;
        }
        return Shapes.fit(s, k, out.shape());
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        Tensor[] ab = new MatMul(transA, transB).vjp(new Tensor[]{in[0], in[1]}, out, g, new boolean[]{need[0], need[1]});
        return new Tensor[]{ab[0], ab[1], need[2] ? g.sumTo(in[2].shape()) : null};
    }
}
