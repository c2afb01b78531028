package carnot.engine.ops;

import carnot.engine.Tensor;

import java.util.Arrays;

/**
 * {@code C = op(A) op(B)} over the last two axes, op(X) = X or X^T by flag (never materialized), leading batch
 * axes broadcast: A [..., m, k] (or [..., k, m] when transA), B [..., k, n] (or [..., n, k]) gives C [..., m, n].
 *
 * <p>Forward: one GEMM when B has no batch axes and A is not transposed (A's batch folds into m), else one
 * batched GEMM with stride 0 for an operand without batch axes.
 * <ul>
 *   <li>jvp: {@code op(tA) op(B) + op(A) op(tB)}; a k-batched tangent folds into the GEMM rows.</li>
 *   <li>vjp: {@code d op(A) = g op(B)^T}, {@code d op(B) = op(A)^T g}, expressed with transpose flags (e.g.
 *       for A B: {@code dA = matmul(g, B, false, true)}, {@code dB = matmul(A, g, true, false)}); when a 2-D
 *       operand met a batched one, its cotangent folds the batch into the contraction (one GEMM).</li>
 * </ul>
 */
public record MatMul(boolean transA, boolean transB) implements Primitive {
    @Override
    public String name() {
        return "matmul";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        return product(in[0], in[1], transA, transB, null);
    }

    /** Shape of {@code op(a) op(b)}: the broadcast batch axes, then [m, n] (operands checked by {@link #product}). */
    static int[] shape(Tensor a, Tensor b, boolean transA, boolean transB) {
        int[] sa = a.shape();
        int[] sb = b.shape();
        if (sa.length < 2 || sb.length < 2) {
            throw new IllegalArgumentException("matmul: operands must have rank >= 2; given " + a + " and " + b);
        }
        int[] bs = Shapes.broadcast(Arrays.copyOf(sa, sa.length - 2), Arrays.copyOf(sb, sb.length - 2));
        int[] os = Arrays.copyOf(bs, bs.length + 2);
        os[bs.length] = transA ? sa[sa.length - 1] : sa[sa.length - 2];
        os[bs.length + 1] = transB ? sb[sb.length - 2] : sb[sb.length - 1];
        return os;
    }

    /**
     * {@code op(a) op(b)} into a new tensor ({@code into == null}) or added into {@code into} (GEMM with
     * beta = 1; its shape must be the product's).
     */
    static Tensor product(Tensor a, Tensor b, boolean transA, boolean transB, Tensor into) {
        Shapes.sameDtype("matmul", a, b);
        if (a.rank() < 2 || b.rank() < 2) {
            throw new IllegalArgumentException("matmul: operands must have rank >= 2; given " + a + " and " + b);
        }
        int ra = a.dim(-2);
        int ca = a.dim(-1);
        int rb = b.dim(-2);
        int cb = b.dim(-1);
        int m = transA ? ca : ra;
        int k = transA ? ra : ca;
        int kb = transB ? cb : rb;
        int n = transB ? rb : cb;
        if (k != kb) {
            throw new IllegalArgumentException("matmul: inner extents must agree (transA=" + transA + ", transB=" + transB
                    + "); given " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
        }
        int[] sa = a.shape();
        int[] sb = b.shape();
        int[] ba = Arrays.copyOf(sa, sa.length - 2);
        int[] bb = Arrays.copyOf(sb, sb.length - 2);
        int[] bs = Shapes.broadcast(ba, bb);
        int[] os = Arrays.copyOf(bs, bs.length + 2);
        os[bs.length] = m;
        os[bs.length + 1] = n;
        if (into != null && !Arrays.equals(into.shape(), os)) {
            throw new IllegalArgumentException("matmul: accumulator must have shape " + Arrays.toString(os) + "; given "
                    + Arrays.toString(into.shape()));
        }
        Tensor c = into != null ? into : Tensor.empty(a.backend(), a.dtype(), os);
        double beta = into != null ? 1 : 0;
        if (c.size() == 0) {
            return c;
        }
        if (k == 0) {
            if (into == null) {
                a.backend().fill(c.buffer(), 0, c.size(), 0);
            }
            return c;
        }
        var be = a.backend();
        if (bb.length == 0 && !transA) {
            int rows = Math.toIntExact(Shapes.size(ba) * m);
            be.gemm(false, transB, rows, n, k, 1, a.buffer(), 0, ca, b.buffer(), 0, cb, beta, c.buffer(), 0, n);
            return c;
        }
        long nb = Shapes.size(bs);
        Tensor ea = expand(a, ba, bs);
        Tensor eb = expand(b, bb, bs);
        long strideA = Shapes.size(ba) == 1 ? 0 : (long) ra * ca;
        long strideB = Shapes.size(bb) == 1 ? 0 : (long) rb * cb;
        if (nb == 1) {
            be.gemm(transA, transB, m, n, k, 1, ea.buffer(), 0, ca, eb.buffer(), 0, cb, beta, c.buffer(), 0, n);
        } else {
            be.gemmBatched(transA, transB, m, n, k, 1, ea.buffer(), 0, ca, strideA, eb.buffer(), 0, cb, strideB,
                    beta, c.buffer(), 0, n, (long) m * n, Math.toIntExact(nb));
        }
        if (ea != a) {
            ea.close();
        }
        if (eb != b) {
            eb.close();
        }
        return c;
    }

    /** x itself when its batch is trivial or already full, else a copy broadcast to the full batch. */
    private static Tensor expand(Tensor x, int[] batch, int[] full) {
        if (Shapes.size(batch) == 1 || Arrays.equals(padLeft(batch, full.length), full)) {
            return x;
        }
        int[] s = Arrays.copyOf(full, full.length + 2);
        s[full.length] = x.dim(-2);
        s[full.length + 1] = x.dim(-1);
        return x.broadcastTo(s);
    }

    private static int[] padLeft(int[] s, int rank) {
        int[] r = new int[rank];
        Arrays.fill(r, 1);
        System.arraycopy(s, 0, r, rank - s.length, s.length);
        return r;
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        int r = out.rank();
        int k = Shapes.batch(t);
        if (t[0] != null && t[1] != null) {
            Tensor ta = Shapes.align(t[0], r);
            Tensor tb = Shapes.align(t[1], r);
            return Shapes.fit(Tensor.apply(new MatMulSum(transA, transB), ta, in[1], in[0], tb), k, out.shape());
        }
        Tensor s = t[0] != null ? Shapes.align(t[0], r).matmul(in[1], transA, transB)
                : in[0].matmul(Shapes.align(t[1], r), transA, transB);
        return Shapes.fit(s, k, out.shape());
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        Tensor a = in[0];
        Tensor b = in[1];
        Tensor ga = null;
        Tensor gb = null;
        if (need[0]) {
            ga = transA ? b.matmul(g, transB, true) : g.matmul(b, false, !transB);
            ga = ga.sumTo(a.shape());
        }
        if (need[1]) {
            if (b.rank() == 2 && a.rank() > 2 && !transA) {
                Tensor a2 = a.reshape(-1, a.dim(-1));
                Tensor g2 = g.reshape(-1, g.dim(-1));
                gb = transB ? g2.matmul(a2, true, false) : a2.matmul(g2, true, false);
            } else {
                gb = transB ? g.matmul(a, true, transA) : a.matmul(g, !transA, false);
                gb = gb.sumTo(b.shape());
            }
        }
        return new Tensor[]{ga, gb};
    }
}
