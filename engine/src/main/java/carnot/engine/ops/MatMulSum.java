package carnot.engine.ops;

import carnot.engine.Tensor;

import java.util.Arrays;

/**
 * {@code out = op(a1) op(b1) + op(a2) op(b2) [+ c]} (same flags for both terms), the GEMMs accumulating into
 * one output (beta = 1) so the sum costs no elementwise pass: the shape of a matmul's tangent
 * {@code tA B + A tB}, and with the optional fifth input c (broadcast to the output, e.g. a bias tangent) the
 * tangent of {@link MatMulBias}; the output then starts as the broadcast copy of c. Output shape: the broadcast
 * of both products' shapes. jvp and vjp are the two {@link MatMul} rules added (plus c's tangent / sumTo).
 * Decomposed definition: {@code matmul(a1, b1).add(matmul(a2, b2)) [.add(c)]}.
 */
public record MatMulSum(boolean transA, boolean transB) implements Primitive {
    @Override
    public String name() {
        return "matmulSum";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        int[] p1 = product(in[0], in[1]);
        int[] p2 = product(in[2], in[3]);
        if (Arrays.equals(p1, p2)) {
            Tensor first = in.length == 5 ? MatMulBias.broadcastCopy(in[4], p1, "matmulSum") : null;
            first = MatMul.product(in[0], in[1], transA, transB, first);
            return MatMul.product(in[2], in[3], transA, transB, first);
        }
        Tensor first = MatMul.product(in[0], in[1], transA, transB, null);
        Tensor second = MatMul.product(in[2], in[3], transA, transB, null);
        Tensor sum = Kernels.binary(carnot.kernels.Binary.ADD, first, second);
        first.close();
        second.close();
        if (in.length == 5) {
            Tensor withC = Kernels.binary(carnot.kernels.Binary.ADD, sum, in[4]);
            sum.close();
            return withC;
        }
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
        if (t.length == 5 && t[4] != null) {
            Tensor tc = Shapes.align(t[4], out.rank());
            s = s == null ? tc : s.add(tc);
        }
        return Shapes.fit(s, Shapes.batch(t), out.shape());
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        MatMul mm = new MatMul(transA, transB);
        Tensor[] x = mm.vjp(new Tensor[]{in[0], in[1]}, out, g.sumTo(product(in[0], in[1])), new boolean[]{need[0], need[1]});
        Tensor[] y = mm.vjp(new Tensor[]{in[2], in[3]}, out, g.sumTo(product(in[2], in[3])), new boolean[]{need[2], need[3]});
        if (in.length == 5) {
            return new Tensor[]{x[0], x[1], y[0], y[1], need[4] ? g.sumTo(in[4].shape()) : null};
        }
        return new Tensor[]{x[0], x[1], y[0], y[1]};
    }

    private int[] product(Tensor a, Tensor b) {
        return MatMul.shape(a, b, transA, transB);
    }
}
