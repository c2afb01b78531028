package carnot.kernels;

import carnot.kernels.attention.AttentionBackwardJvpSimd;
import carnot.kernels.attention.AttentionJvpSimd;
import carnot.kernels.attention.AttentionSimd;
import carnot.kernels.eigen.EigenLapack;
import carnot.kernels.elementwise.ElementwiseSimd;
import carnot.kernels.elementwise.StridedView;
import carnot.kernels.gemm.GemmBlas;
import carnot.kernels.gemm.GemmScratch;
import carnot.kernels.indexing.IndexingRef;
import carnot.kernels.layernorm.LayerNormSimd;
import carnot.kernels.memory.MemoryRef;
import carnot.kernels.memory.MemorySimd;
import carnot.kernels.reduce.ReduceSimd;
import carnot.kernels.rng.Philox;
import carnot.kernels.softmax.SoftmaxSimd;

import java.lang.foreign.MemorySegment;

/**
 * The CPU backend: Vector API kernels ({@code *Simd} classes) on off-heap memory, OpenBLAS for GEMM and LAPACK
 * for the symmetric eigensolver, a fixed {@link Parallel} pool of {@code threads} workers with static
 * partitioning. For a given thread count every op is bitwise reproducible: chunk bounds depend only on sizes and
 * the thread count, reductions add chunk partials in chunk order, GEMMs are split into fixed row, column or K
 * blocks of single-threaded OpenBLAS calls ({@link GemmBlas}; the K split's partials live in this backend's
 * {@link GemmScratch} and are added in slice order).
 * A thin dispatcher: validation by {@link Checks}/{@link Ops}, then the family kernels over chunks.
 */
public final class CpuBackend implements Backend {
    /** Elements per chunk below which elementwise work stays on one thread. */
    private static final long GRAIN = 1 << 15;
    private static final long ALIGN = 64;
    private final HostMemory mem = new HostMemory(this);
    private final Parallel par;
    private final GemmScratch gemmScratch = new GemmScratch();

    /** A backend with one worker per available processor. */
    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /**
     * A backend with {@code threads >= 1} workers; sets OpenBLAS to one thread (process-wide): GEMMs are
     * partitioned across this backend's own pool, so no OpenBLAS worker threads compete with it for cores. Refuses a
     * JVM without the module jdk.incubator.vector (flag {@code --add-modules jdk.incubator.vector}) rather than fail
     * at its first operation.
     */
    public CpuBackend(int threads) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new IllegalStateException("the CPU backend needs the Vector API: start the JVM with --add-modules "
                    + "jdk.incubator.vector (and --enable-native-access=ALL-UNNAMED for OpenBLAS); this JVM was "
                    + "started without the module jdk.incubator.vector");
        }
        this.par = new Parallel(threads);
        GemmBlas.setThreads(1);
    }

    @Override
    public String name() {
        return "cpu";
    }

    /** Number of worker threads. */
    public int threads() {
        return par.threads();
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
        if (src == dst) {
            mem.copy(src, srcOff, dst, dstOff, n);
            return;
        }
        mem.checkCopy(src, srcOff, dst, dstOff, n);
        int w = src.dtype().bytes();
        MemorySegment s = src.segment();
        MemorySegment d = dst.segment();
        par.forRange(n, GRAIN * 4, ALIGN, (f, e) -> MemorySegment.copy(s, (srcOff + f) * w, d, (dstOff + f) * w,
                (e - f) * w));
    }

    @Override
    public void fill(Buffer x, long off, long n, double value) {
        Checks.owned("fill", this, "x", x);
        Checks.range("fill", "x", x, off, n);
        MemorySegment s = x.segment();
        par.forRange(n, GRAIN, ALIGN, (f, t) -> MemorySimd.fill(x.dtype(), s, off + f, off + t, value));
    }

    @Override
    public void convert(Buffer src, Buffer dst, long n) {
        Ops.convert(this, src, dst, n);
        MemorySegment s = src.segment();
        MemorySegment d = dst.segment();
        par.forRange(n, GRAIN, ALIGN, (f, t) -> MemoryRef.convert(src.dtype(), s, dst.dtype(), d, f, t));
    }

    @Override
    public void copyStrided(Buffer src, Broadcast view, Buffer dst, long dstOff) {
        Ops.copyStrided(this, src, view, dst, dstOff);
        MemorySegment s = src.segment();
        MemorySegment d = dst.segment();
        par.forRange(view.size(), GRAIN, ALIGN, (f, t) -> MemorySimd.copyStrided(src.dtype(), s, view.shape(),
                view.stridesA(), view.offsetA(), d, dstOff, f, t));
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Buffer a, long offA, int lda,
                     Buffer b, long offB, int ldb, double beta, Buffer c, long offC, int ldc) {
        DType t = Ops.gemm("gemm", this, transA, transB, m, n, k, a, offA, lda, 0, b, offB, ldb, 0, c, offC, ldc,
                0, 1);
        GemmBlas.gemm(par, gemmScratch, t, transA, transB, m, n, k, alpha, a.segment(), offA, lda, b.segment(), offB,
                ldb, beta, c.segment(), offC, ldc);
    }

    @Override
    public void gemmBatched(boolean transA, boolean transB, int m, int n, int k, double alpha, Buffer a, long offA,
                            int lda, long strideA, Buffer b, long offB, int ldb, long strideB, double beta, Buffer c,
                            long offC, int ldc, long strideC, int batch) {
        DType t = Ops.gemm("gemmBatched", this, transA, transB, m, n, k, a, offA, lda, strideA, b, offB, ldb,
                strideB, c, offC, ldc, strideC, batch);
        GemmBlas.gemmBatched(par, gemmScratch, t, transA, transB, m, n, k, alpha, a.segment(), offA, lda, strideA,
                b.segment(), offB, ldb, strideB, beta, c.segment(), offC, ldc, strideC, batch);
    }

    @Override
    public void axpy(long n, double alpha, Buffer x, Buffer y) {
        DType t = Ops.dense("axpy", this, n, "x, y", x, y);
        MemorySegment xs = x.segment();
        MemorySegment ys = y.segment();
        par.forRange(n, GRAIN, ALIGN, (f, e) -> ReduceSimd.axpy(t, alpha, xs, ys, f, e));
    }

    @Override
    public double dot(long n, Buffer x, Buffer y) {
        DType t = Ops.dense("dot", this, n, "x, y", x, y);
        MemorySegment xs = x.segment();
        MemorySegment ys = y.segment();
        return par.sum(n, GRAIN, ALIGN, (f, e) -> ReduceSimd.sum(t, xs, ys, f, e, false));
    }

    @Override
    public void dotInto(long n, Buffer x, Buffer y, Buffer out, long outOff) {
        Ops.dotInto(this, n, x, y, out, outOff);
        Elem.set(out.segment(), DType.F64, outOff, dot(n, x, y));
    }

    @Override
    public void unary(Unary op, Buffer x, Buffer out, long n) {
        DType t = Ops.dense("unary " + op, this, n, "x, out", x, out);
        MemorySegment xs = x.segment();
        MemorySegment os = out.segment();
        par.forRange(n, GRAIN / 8, ALIGN, (f, e) -> ElementwiseSimd.unary(op, t, xs, os, f, e));
    }

    @Override
    public void affine(Buffer x, Buffer out, long n, double alpha, double beta) {
        DType t = Ops.dense("affine", this, n, "x, out", x, out);
        MemorySegment xs = x.segment();
        MemorySegment os = out.segment();
        par.forRange(n, GRAIN, ALIGN, (f, e) -> ElementwiseSimd.affine(t, xs, os, f, e, alpha, beta));
    }

    /** One pass; chunks are multiples of ALIGN, so the vector tails fall where the separate kernels' do. */
    @Override
    public boolean geluDerivative(Buffer x, Buffer out, long n, double a, double c) {
        DType t = Ops.dense("geluDerivative", this, n, "x, out", x, out);
        MemorySegment xs = x.segment();
        MemorySegment os = out.segment();
        par.forRange(n, GRAIN / 8, ALIGN, (f, e) -> ElementwiseSimd.geluDerivative(t, xs, os, f, e, a, c));
        return true;
    }

    @Override
    public void binary(Binary op, Buffer a, Buffer b, Buffer out, Broadcast bc) {
        DType t = Ops.binary(this, op, a, b, out, bc);
        StridedView v = StridedView.collapse(bc);
        MemorySegment as = a.segment();
        MemorySegment bs = b.segment();
        MemorySegment os = out.segment();
        par.forRange(bc.size(), GRAIN, ALIGN, (f, e) -> ElementwiseSimd.binary(op, t, as, bs, os, v, f, e));
    }

    @Override
    public void tanhBackwardTangent(Buffer tg, Buffer g, Buffer y, Buffer ty, Buffer out, long n) {
        DType t = Ops.dense("tanhBackwardTangent", this, n, "tg, g, y, ty, out", tg, g, y, ty, out);
        MemorySegment ts = tg.segment();
        MemorySegment gs = g.segment();
        MemorySegment ys = y.segment();
        MemorySegment tys = ty.segment();
        MemorySegment os = out.segment();
        par.forRange(n, GRAIN, ALIGN, (f, e) -> ElementwiseSimd.tanhBackwardTangent(t, ts, gs, ys, tys, os, f, e));
    }

    @Override
    public void geluBackwardTangent(Buffer tg, Buffer g, Buffer x, Buffer tx, Buffer out, long n) {
        DType t = Ops.dense("geluBackwardTangent", this, n, "tg, g, x, tx, out", tg, g, x, tx, out);
        MemorySegment ts = tg.segment();
        MemorySegment gs = g.segment();
        MemorySegment xs = x.segment();
        MemorySegment txs = tx.segment();
        MemorySegment os = out.segment();
        par.forRange(n, GRAIN / 8, ALIGN, (f, e) -> ElementwiseSimd.geluBackwardTangent(t, ts, gs, xs, txs, os, f, e));
    }

    @Override
    public void sigmoidBackwardTangent(Buffer tg, Buffer g, Buffer y, Buffer ty, Buffer out, long n) {
        DType t = Ops.dense("sigmoidBackwardTangent", this, n, "tg, g, y, ty, out", tg, g, y, ty, out);
        MemorySegment ts = tg.segment();
        MemorySegment gs = g.segment();
        MemorySegment ys = y.segment();
        MemorySegment tys = ty.segment();
        MemorySegment os = out.segment();
        par.forRange(n, GRAIN, ALIGN, (f, e) -> ElementwiseSimd.sigmoidBackwardTangent(t, ts, gs, ys, tys, os, f, e));
    }

    @Override
    public void where(Buffer mask, Buffer a, Buffer b, Buffer out, long n) {
        DType t = Ops.dense("where", this, n, "mask, a, b, out", mask, a, b, out);
        MemorySegment ms = mask.segment();
        MemorySegment as = a.segment();
        MemorySegment bs = b.segment();
        MemorySegment os = out.segment();
        par.forRange(n, GRAIN, ALIGN, (f, e) -> ElementwiseSimd.where(t, ms, as, bs, os, f, e));
    }

    @Override
    public void reduce(Reduce op, Buffer x, Buffer out, long outer, long axis, long inner) {
        DType t = Ops.reduce(this, op, x, out, outer, axis, inner);
        MemorySegment xs = x.segment();
        MemorySegment os = out.segment();
        long outs = outer * inner;
        long grain = Math.max(1, GRAIN / Math.max(1, axis));
        if (outs == 1) {
            double v = switch (op) {
                case SUM -> par.sum(axis, GRAIN, ALIGN, (f, e) -> ReduceSimd.sum(t, xs, null, f, e, false));
                case SUMSQ -> par.sum(axis, GRAIN, ALIGN, (f, e) -> ReduceSimd.sum(t, xs, null, f, e, true));
                case MAX, MIN -> ReduceSimd.extreme(t, xs, 0, axis, op == Reduce.MAX);
            };
            Elem.set(os, t, 0, v);
            return;
        }
        par.forRange(outs, grain, inner == 1 ? 1 : ALIGN, (f, e) -> ReduceSimd.reduce(op, t, xs, os, axis, inner, f, e));
    }

    @Override
    public void softmax(Buffer x, Buffer out, int rows, int cols, boolean log) {
        DType t = Ops.rows("softmax", this, rows, cols, "x, out", x, out);
        MemorySegment xs = x.segment();
        MemorySegment os = out.segment();
        par.forRange(rows, rowGrain(cols), 1, (f, e) -> SoftmaxSimd.softmax(t, xs, os, cols, (int) f, (int) e, log));
    }

    @Override
    public void softmaxCrossEntropy(Buffer z, Buffer q, Buffer out, int rows, int cols) {
        DType t = Ops.softmaxCrossEntropy(this, z, q, out, rows, cols);
        MemorySegment zs = z.segment();
        MemorySegment qs = q.segment();
        MemorySegment os = out.segment();
        par.forRange(rows, rowGrain(cols), 1,
                (f, e) -> SoftmaxSimd.crossEntropy(t, zs, qs, os, cols, (int) f, (int) e));
    }

    @Override
    public void layerNorm(Buffer x, Buffer out, Buffer mean, Buffer rstd, int rows, int cols, double eps) {
        DType t = Ops.layerNorm("layerNorm", this, rows, cols, x, out, mean, rstd, eps);
        MemorySegment xs = x.segment();
        MemorySegment os = out.segment();
        MemorySegment ms = mean.segment();
        MemorySegment rs = rstd.segment();
        par.forRange(rows, rowGrain(cols), 1,
                (f, e) -> LayerNormSimd.forward(t, xs, os, ms, rs, cols, eps, (int) f, (int) e));
    }

    @Override
    public void layerNormBackward(Buffer dy, Buffer x, Buffer mean, Buffer rstd, Buffer dx, int rows, int cols) {
        DType t = Ops.layerNormBackward(this, dy, x, mean, rstd, dx, rows, cols);
        MemorySegment gs = dy.segment();
        MemorySegment xs = x.segment();
        MemorySegment ms = mean.segment();
        MemorySegment rs = rstd.segment();
        MemorySegment ds = dx.segment();
        par.forRange(rows, rowGrain(cols), 1,
                (f, e) -> LayerNormSimd.backward(t, gs, xs, ms, rs, ds, cols, (int) f, (int) e));
    }

    @Override
    public void attention(Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse, int batch, int heads, int tq, int tk,
                          int dh, double scale) {
        DType t = Ops.attention(this, q, k, v, out, lse, batch, heads, tq, tk, dh, scale);
        MemorySegment qs = q.segment();
        MemorySegment ks = k.segment();
        MemorySegment vs = v.segment();
        MemorySegment os = out.segment();
        MemorySegment ls = lse.segment();
        par.forRange((long) batch * heads, 1, 1, (f, e) -> AttentionSimd.forward(t, qs, ks, vs, os, ls, heads, tq, tk,
                dh, scale, (int) f, (int) e));
    }

    @Override
    public void attentionBackward(Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse, Buffer dOut, Buffer dq,
                                  Buffer dk, Buffer dv, int batch, int heads, int tq, int tk, int dh, double scale) {
        DType t = Ops.attentionBackward(this, q, k, v, out, lse, dOut, dq, dk, dv, batch, heads, tq, tk, dh, scale);
        MemorySegment qs = q.segment();
        MemorySegment ks = k.segment();
        MemorySegment vs = v.segment();
        MemorySegment os = out.segment();
        MemorySegment ls = lse.segment();
        MemorySegment gs = dOut.segment();
        MemorySegment dqs = dq.segment();
        MemorySegment dks = dk.segment();
        MemorySegment dvs = dv.segment();
        par.forRange((long) batch * heads, 1, 1, (f, e) -> AttentionSimd.backward(t, qs, ks, vs, os, ls, gs, dqs, dks,
                dvs, heads, tq, tk, dh, scale, (int) f, (int) e));
    }

    @Override
    public void attentionJvp(Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse, Buffer qDot, Buffer kDot,
                             Buffer vDot, Buffer outDot, int batch, int heads, int tq, int tk, int dh, double scale) {
        DType t = Ops.attentionJvp(this, q, k, v, out, lse, qDot, kDot, vDot, outDot, batch, heads, tq, tk, dh, scale);
        MemorySegment qs = q.segment();
        MemorySegment ks = k.segment();
        MemorySegment vs = v.segment();
        MemorySegment os = out.segment();
        MemorySegment ls = lse.segment();
        MemorySegment qds = qDot.segment();
        MemorySegment kds = kDot.segment();
        MemorySegment vds = vDot.segment();
        MemorySegment ods = outDot.segment();
        par.forRange((long) batch * heads, 1, 1, (f, e) -> AttentionJvpSimd.jvp(t, qs, ks, vs, os, ls, qds, kds, vds,
                ods, heads, tq, tk, dh, scale, (int) f, (int) e));
    }

    @Override
    public void attentionBackwardJvp(Buffer q, Buffer k, Buffer v, Buffer lse, Buffer dOut, Buffer qDot,
                                     Buffer kDot, Buffer vDot, Buffer dOutDot, Buffer dqDot, Buffer dkDot,
                                     Buffer dvDot, int directions, long outStride, int batch, int heads, int tq,
                                     int tk, int dh, double scale) {
        DType t = Ops.attentionBackwardJvp(this, q, k, v, lse, dOut, qDot, kDot, vDot, dOutDot, dqDot, dkDot,
                dvDot, directions, outStride, batch, heads, tq, tk, dh, scale);
        AttentionBackwardJvpSimd.Args a = new AttentionBackwardJvpSimd.Args(q.segment(), k.segment(), v.segment(),
                lse.segment(), dOut.segment(), qDot.segment(), kDot.segment(), vDot.segment(),
                dOutDot.segment(), dqDot.segment(), dkDot.segment(), dvDot.segment(), outStride, batch, heads, tq, tk,
                dh, scale);
        par.forRange((long) directions * batch * heads, 1, 1,
                (f, e) -> AttentionBackwardJvpSimd.backwardJvp(t, a, (int) f, (int) e));
    }

    @Override
    public void gatherRows(Buffer table, int tableRows, int cols, Buffer idx, int n, Buffer out) {
        DType t = Ops.gather(this, table, tableRows, cols, idx, n, out);
        Checks.indices("gatherRows", idx.segment(), n, tableRows);
        MemorySegment ts = table.segment();
        MemorySegment is = idx.segment();
        MemorySegment os = out.segment();
        par.forRange(n, rowGrain(cols), 1, (f, e) -> IndexingRef.gather(t, ts, cols, is, os, (int) f, (int) e));
    }

    @Override
    public void scatterAddRows(Buffer src, Buffer idx, int n, int cols, Buffer table, int tableRows) {
        DType t = Ops.scatter(this, src, idx, n, cols, table, tableRows);
        Checks.indices("scatterAddRows", idx.segment(), n, tableRows);
        MemorySegment ss = src.segment();
        MemorySegment is = idx.segment();
        MemorySegment ts = table.segment();
        long grain = Math.max(16, GRAIN / Math.max(1, n));
        par.forRange(cols, grain, 16,
                (f, e) -> IndexingRef.scatterAdd(t, ss, is, n, cols, ts, (int) f, (int) e));
    }

    @Override
    public void uniform(Buffer out, long n, long seed, long offset, double lo, double hi) {
        DType t = Ops.dense("uniform", this, n, "out", out);
        MemorySegment os = out.segment();
        par.forRange(n, GRAIN / 16, 1, (f, e) -> Philox.uniform(t, os, f, e, seed, offset, lo, hi));
    }

    @Override
    public void normal(Buffer out, long n, long seed, long offset, double mean, double std) {
        DType t = Ops.dense("normal", this, n, "out", out);
        MemorySegment os = out.segment();
        par.forRange(n, GRAIN / 16, 1, (f, e) -> Philox.normal(t, os, f, e, seed, offset, mean, std));
    }

    @Override
    public void symmetricEigen(Buffer a, Buffer w, int n, boolean vectors) {
        DType t = Ops.eigen(this, a, w, n);
        synchronized (GemmBlas.class) {
            GemmBlas.setThreads(par.threads());
            try {
                EigenLapack.symmetricEigen(t, a.segment(), w.segment(), n, vectors);
            } finally {
                GemmBlas.setThreads(1);
            }
        }
    }

    @Override
    public void close() {
        par.close();
        gemmScratch.close();
        mem.close();
    }

    private static long rowGrain(int cols) {
        return Math.max(1, GRAIN / Math.max(1, cols));
    }
}
