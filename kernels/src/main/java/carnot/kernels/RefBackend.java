package carnot.kernels;

import carnot.kernels.elementwise.ElementwiseRef;
import carnot.kernels.eigen.EigenRef;
import carnot.kernels.gemm.GemmRef;
import carnot.kernels.indexing.IndexingRef;
import carnot.kernels.attention.AttentionRef;
import carnot.kernels.layernorm.LayerNormRef;
import carnot.kernels.memory.MemoryRef;
import carnot.kernels.reduce.ReduceRef;
import carnot.kernels.rng.Philox;
import carnot.kernels.softmax.SoftmaxRef;

import java.lang.foreign.MemorySegment;

/**
 * The scalar reference backend (the oracle): single-threaded, every op computed in double with f64 accumulation
 * and rounded to the buffer dtype once per output. Buffers are off-heap ({@link HostMemory}). A thin dispatcher:
 * it validates with {@link Checks} and calls the {@code *Ref} class of each op family.
 */
public final class RefBackend implements Backend {
    private final HostMemory mem = new HostMemory(this, true);

    @Override
    public String name() {
        return "ref";
    }

    /** Number of buffers allocated and not yet freed. */
    public int liveBuffers() {
        return mem.liveBuffers();
    }

    @Override
    public Buffer alloc(DType dtype, long n) {
        return mem.alloc(dtype, n);
    }

    @Override
    public Buffer allocUninitialized(DType dtype, long n) {
        return mem.allocUninitialized(dtype, n);
    }

    @Override
    public void free(Buffer b) {
        mem.free(b);
    }

    @Override
    public void upload(MemorySegment src, Buffer dst, long dstOff, long n) {
        mem.upload(src, dst, dstOff, n);
    }

    @Override
    public void download(Buffer src, long srcOff, MemorySegment dst, long n) {
        mem.download(src, srcOff, dst, n);
    }

    @Override
    public void copy(Buffer src, long srcOff, Buffer dst, long dstOff, long n) {
        mem.copy(src, srcOff, dst, dstOff, n);
    }

    @Override
    public void fill(Buffer x, long off, long n, double value) {
        Checks.owned("fill", this, "x", x);
        Checks.range("fill", "x", x, off, n);
        MemoryRef.fill(x.dtype(), x.segment(), off, off + n, value);
    }

    @Override
    public void convert(Buffer src, Buffer dst, long n) {
        Ops.convert(this, src, dst, n);
        MemoryRef.convert(src.dtype(), src.segment(), dst.dtype(), dst.segment(), 0, n);
    }

    @Override
    public void copyStrided(Buffer src, Broadcast view, Buffer dst, long dstOff) {
        Ops.copyStrided(this, src, view, dst, dstOff);
        MemoryRef.copyStrided(src.dtype(), src.segment(), view.shape(), view.stridesA(), view.offsetA(),
                dst.segment(), dstOff, 0, view.size());
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Buffer a, long offA, int lda,
                     Buffer b, long offB, int ldb, double beta, Buffer c, long offC, int ldc) {
        DType t = Ops.gemm("gemm", this, transA, transB, m, n, k, a, offA, lda, 0, b, offB, ldb, 0, c, offC, ldc,
                0, 1);
        GemmRef.gemm(t, transA, transB, m, n, k, alpha, a.segment(), offA, lda, b.segment(), offB, ldb, beta,
                c.segment(), offC, ldc, 0, m);
    }

    @Override
    public void gemmBatched(boolean transA, boolean transB, int m, int n, int k, double alpha, Buffer a, long offA,
                            int lda, long strideA, Buffer b, long offB, int ldb, long strideB, double beta, Buffer c,
                            long offC, int ldc, long strideC, int batch) {
        DType t = Ops.gemm("gemmBatched", this, transA, transB, m, n, k, a, offA, lda, strideA, b, offB, ldb,
                strideB, c, offC, ldc, strideC, batch);
        GemmRef.gemmBatched(t, transA, transB, m, n, k, alpha, a.segment(), offA, lda, strideA, b.segment(), offB,
                ldb, strideB, beta, c.segment(), offC, ldc, strideC, 0, batch);
    }

    @Override
    public void axpy(long n, double alpha, Buffer x, Buffer y) {
        DType t = Ops.dense("axpy", this, n, "x, y", x, y);
        ReduceRef.axpy(t, alpha, x.segment(), y.segment(), 0, n);
    }

    @Override
    public double dot(long n, Buffer x, Buffer y) {
        DType t = Ops.dense("dot", this, n, "x, y", x, y);
        return ReduceRef.dot(t, x.segment(), y.segment(), 0, n);
    }

    @Override
    public void dotInto(long n, Buffer x, Buffer y, Buffer out, long outOff) {
        DType t = Ops.dotInto(this, n, x, y, out, outOff);
        Elem.set(out.segment(), DType.F64, outOff, ReduceRef.dot(t, x.segment(), y.segment(), 0, n));
    }

    @Override
    public void unary(Unary op, Buffer x, Buffer out, long n) {
        DType t = Ops.dense("unary " + op, this, n, "x, out", x, out);
        ElementwiseRef.unary(op, t, x.segment(), out.segment(), 0, n);
    }

    @Override
    public void affine(Buffer x, Buffer out, long n, double alpha, double beta) {
        DType t = Ops.dense("affine", this, n, "x, out", x, out);
        ElementwiseRef.affine(t, x.segment(), out.segment(), 0, n, alpha, beta);
    }

    @Override
    public void binary(Binary op, Buffer a, Buffer b, Buffer out, Broadcast bc) {
        DType t = Ops.binary(this, op, a, b, out, bc);
        ElementwiseRef.binary(op, t, a.segment(), b.segment(), out.segment(), bc.shape(), bc.stridesA(),
                bc.offsetA(), bc.stridesB(), bc.offsetB(), 0, ElementwiseRef.rows(bc.shape()));
    }

    @Override
    public void tanhBackwardTangent(Buffer tg, Buffer g, Buffer y, Buffer ty, Buffer out, long n) {
        DType t = Ops.dense("tanhBackwardTangent", this, n, "tg, g, y, ty, out", tg, g, y, ty, out);
        ElementwiseRef.tanhBackwardTangent(t, tg.segment(), g.segment(), y.segment(), ty.segment(), out.segment(), 0,
                n);
    }

    @Override
    public void geluBackwardTangent(Buffer tg, Buffer g, Buffer x, Buffer tx, Buffer out, long n) {
        DType t = Ops.dense("geluBackwardTangent", this, n, "tg, g, x, tx, out", tg, g, x, tx, out);
        ElementwiseRef.geluBackwardTangent(t, tg.segment(), g.segment(), x.segment(), tx.segment(), out.segment(), 0,
                n);
    }

    @Override
    public void sigmoidBackwardTangent(Buffer tg, Buffer g, Buffer y, Buffer ty, Buffer out, long n) {
        DType t = Ops.dense("sigmoidBackwardTangent", this, n, "tg, g, y, ty, out", tg, g, y, ty, out);
        ElementwiseRef.sigmoidBackwardTangent(t, tg.segment(), g.segment(), y.segment(), ty.segment(),
                out.segment(), 0, n);
    }

    @Override
    public void where(Buffer mask, Buffer a, Buffer b, Buffer out, long n) {
        DType t = Ops.dense("where", this, n, "mask, a, b, out", mask, a, b, out);
        ElementwiseRef.where(t, mask.segment(), a.segment(), b.segment(), out.segment(), 0, n);
    }

    @Override
    public void reduce(Reduce op, Buffer x, Buffer out, long outer, long axis, long inner) {
        DType t = Ops.reduce(this, op, x, out, outer, axis, inner);
        ReduceRef.reduce(op, t, x.segment(), out.segment(), axis, inner, 0, outer * inner);
    }

    @Override
    public void softmax(Buffer x, Buffer out, int rows, int cols, boolean log) {
        DType t = Ops.rows("softmax", this, rows, cols, "x, out", x, out);
        SoftmaxRef.softmax(t, x.segment(), out.segment(), cols, 0, rows, log);
    }

    @Override
    public void softmaxCrossEntropy(Buffer z, Buffer q, Buffer out, int rows, int cols) {
        DType t = Ops.softmaxCrossEntropy(this, z, q, out, rows, cols);
        SoftmaxRef.crossEntropy(t, z.segment(), q.segment(), out.segment(), cols, 0, rows);
    }

    @Override
    public void layerNorm(Buffer x, Buffer out, Buffer mean, Buffer rstd, int rows, int cols, double eps) {
        DType t = Ops.layerNorm("layerNorm", this, rows, cols, x, out, mean, rstd, eps);
        LayerNormRef.forward(t, x.segment(), out.segment(), mean.segment(), rstd.segment(), cols, eps, 0, rows);
    }

    @Override
    public void layerNormBackward(Buffer dy, Buffer x, Buffer mean, Buffer rstd, Buffer dx, int rows, int cols) {
        DType t = Ops.layerNormBackward(this, dy, x, mean, rstd, dx, rows, cols);
        LayerNormRef.backward(t, dy.segment(), x.segment(), mean.segment(), rstd.segment(), dx.segment(), cols, 0,
                rows);
    }

    @Override
    public void attention(Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse, int batch, int heads, int tq, int tk,
                          int dh, double scale) {
        DType t = Ops.attention(this, q, k, v, out, lse, batch, heads, tq, tk, dh, scale);
        AttentionRef.forward(t, q.segment(), k.segment(), v.segment(), out.segment(), lse.segment(), heads, tq, tk, dh,
                scale, 0, batch * heads);
    }

    @Override
    public void attentionBackward(Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse, Buffer dOut, Buffer dq,
                                  Buffer dk, Buffer dv, int batch, int heads, int tq, int tk, int dh, double scale) {
        DType t = Ops.attentionBackward(this, q, k, v, out, lse, dOut, dq, dk, dv, batch, heads, tq, tk, dh, scale);
        AttentionRef.backward(t, q.segment(), k.segment(), v.segment(), out.segment(), lse.segment(), dOut.segment(),
                dq.segment(), dk.segment(), dv.segment(), heads, tq, tk, dh, scale, 0, batch * heads);
    }

    @Override
    public void attentionJvp(Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse, Buffer qDot, Buffer kDot,
                             Buffer vDot, Buffer outDot, int batch, int heads, int tq, int tk, int dh, double scale) {
        DType t = Ops.attentionJvp(this, q, k, v, out, lse, qDot, kDot, vDot, outDot, batch, heads, tq, tk, dh, scale);
        AttentionRef.jvp(t, q.segment(), k.segment(), v.segment(), out.segment(), lse.segment(), qDot.segment(),
                kDot.segment(), vDot.segment(), outDot.segment(), heads, tq, tk, dh, scale, 0, batch * heads);
    }

    @Override
    public void attentionBackwardJvp(Buffer q, Buffer k, Buffer v, Buffer lse, Buffer dOut, Buffer qDot,
                                     Buffer kDot, Buffer vDot, Buffer dOutDot, Buffer dqDot, Buffer dkDot,
                                     Buffer dvDot, int directions, long outStride, int batch, int heads, int tq,
                                     int tk, int dh, double scale) {
        DType t = Ops.attentionBackwardJvp(this, q, k, v, lse, dOut, qDot, kDot, vDot, dOutDot, dqDot, dkDot,
                dvDot, directions, outStride, batch, heads, tq, tk, dh, scale);
        AttentionRef.backwardJvp(t, q.segment(), k.segment(), v.segment(), lse.segment(),
                dOut.segment(), qDot.segment(), kDot.segment(), vDot.segment(), dOutDot.segment(), dqDot.segment(),
                dkDot.segment(), dvDot.segment(), outStride, batch, heads, tq, tk, dh, scale, 0,
                directions * batch * heads);
    }

    @Override
    public void gatherRows(Buffer table, int tableRows, int cols, Buffer idx, int n, Buffer out) {
        DType t = Ops.gather(this, table, tableRows, cols, idx, n, out);
        Checks.indices("gatherRows", idx.segment(), n, tableRows);
        IndexingRef.gather(t, table.segment(), cols, idx.segment(), out.segment(), 0, n);
    }

    @Override
    public void scatterAddRows(Buffer src, Buffer idx, int n, int cols, Buffer table, int tableRows) {
        DType t = Ops.scatter(this, src, idx, n, cols, table, tableRows);
        Checks.indices("scatterAddRows", idx.segment(), n, tableRows);
        IndexingRef.scatterAdd(t, src.segment(), idx.segment(), n, cols, table.segment(), 0, cols);
    }

    @Override
    public void uniform(Buffer out, long n, long seed, long offset, double lo, double hi) {
        DType t = Ops.dense("uniform", this, n, "out", out);
        Philox.uniform(t, out.segment(), 0, n, seed, offset, lo, hi);
    }

    @Override
    public void normal(Buffer out, long n, long seed, long offset, double mean, double std) {
        DType t = Ops.dense("normal", this, n, "out", out);
        Philox.normal(t, out.segment(), 0, n, seed, offset, mean, std);
    }

    @Override
    public void symmetricEigen(Buffer a, Buffer w, int n, boolean vectors) {
        DType t = Ops.eigen(this, a, w, n);
        EigenRef.symmetricEigen(t, a.segment(), w.segment(), n, vectors);
    }

    @Override
    public void close() {
        mem.close();
    }
}
