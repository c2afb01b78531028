package carnot.engine.ops;

import carnot.engine.Tensor;

import java.util.Arrays;

/**
 * {@code out = op(a1) op(b1) + op(a2) op(b2)} (same flags for both terms), the second GEMM accumulating into
 * the first's output (beta = 1) so the sum costs no elementwise pass: the shape of a matmul's tangent
 * {@code tA B + A tB}. Output shape: the broadcast of both products' shapes. jvp and vjp are the two
 * {@link MatMul} rules added.
 */
public record MatMulSum(boolean transA, boolean transB) implements Primitive {
    @Override
    public String name() {
        return "matmulSum";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        if (Arrays.equals(product(in[0], in[1]), product(in[2], in[3]))) {
            Tensor first = MatMul.product(in[0], in[1], transA, transB, null);
            return MatMul.product(in[2], in[3], transA, transB, first);
        }
        Tensor first = MatMul.product(in[0], in[1], transA, transB, null);
        Tensor second = MatMul.product(in[2], in[3], transA, transB, null);
        Tensor sum = Kernels.binary(carnot.kernels.Binary.ADD, first, second);
        first.close();
        second.close();
        return sum;
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        MatMul mm = new MatMul(transA, transB);
        Tensor x = t[0] == null && t[1] == null ? null
                : mm.jvp(new Tensor[]{in[0], in[1]}, out, new Tensor[]{t[0], t[1]});
        Tensor y = t[2] == null && t[3] == null ? null
                : mm.jvp(new Tensor[]{in[2], in[3]}, out, new Tensor[]{t[2], t[3]});
        Tensor s = x == null ? y : y == null ? x : x.add(y);
        return Shapes.fit(s, Shapes.batch(t), out.shape());
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        MatMul mm = new MatMul(transA, transB);
        Tensor[] x = mm.vjp(new Tensor[]{in[0], in[1]}, out, g.sumTo(product(in[0], in[1])), new boolean[]{need[0], need[1]});
        Tensor[] y = mm.vjp(new Tensor[]{in[2], in[3]}, out, g.sumTo(product(in[2], in[3])), new boolean[]{need[2], need[3]});
        return new Tensor[]{x[0], x[1], y[0], y[1]};
    }

    private int[] product(Tensor a, Tensor b) {
        int[] sa = a.shape();
        int[] sb = b.shape();
        int[] bs = Shapes.broadcast(Arrays.copyOf(sa, sa.length - 2), Arrays.copyOf(sb, sb.length - 2));
        int[] os = Arrays.copyOf(bs, bs.length + 2);
        os[bs.length] = transA ? a.dim(-1) : a.dim(-2);
        os[bs.length + 1] = transB ? b.dim(-2) : b.dim(-1);
        return os;
    }
}
