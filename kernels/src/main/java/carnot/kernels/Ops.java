package carnot.kernels;

/**
 * Per-op argument validation of the {@link Backend} contract, composed from {@link Checks}; shared by every
 * backend so that all reject the same inputs with the same messages before writing anything. Each method returns
 * the floating dtype of the call.
 */
public final class Ops {
    /** Validates {@code dotInto}: x, y dense of n (one floating dtype), out an F64 buffer holding element outOff. */
    public static DType dotInto(Backend be, long n, Buffer x, Buffer y, Buffer out, long outOff) {
        DType t = dense("dotInto", be, n, "x, y", x, y);
        Checks.owned("dotInto", be, "out", out);
        Checks.require(out.dtype() == DType.F64, "dotInto", "out must be F64; given " + out.dtype());
        Checks.range("dotInto", "out", out, outOff, 1);
        return t;
    }

    private Ops() {
    }

    /** Dense elementwise op over {@code n} elements of buffers of one floating dtype. */
    public static DType dense(String op, Backend be, long n, String names, Buffer... bufs) {
        DType t = Checks.floats(op, be, names, bufs);
        Checks.nonNegative(op, "n", n);
        for (int i = 0; i < bufs.length; i++) {
            if (n > bufs[i].length()) {
                Checks.range(op, Checks.name(names, i), bufs[i], 0, n);
            }
        }
        return t;
    }

    /** Row-wise op over a rows x cols matrix in each buffer. */
    public static DType rows(String op, Backend be, int rows, int cols, String names, Buffer... bufs) {
        Checks.nonNegative(op, "rows", rows);
        Checks.nonNegative(op, "cols", cols);
        return dense(op, be, (long) rows * cols, names, bufs);
    }

    /** softmaxCrossEntropy: z and q rows x cols, out rows, one floating dtype. */
    public static DType softmaxCrossEntropy(Backend be, Buffer z, Buffer q, Buffer out, int rows, int cols) {
        String op = "softmaxCrossEntropy";
        DType t = rows(op, be, rows, cols, "z, q", z, q);
        DType o = dense(op, be, rows, "out", out);
        Checks.require(o == t, op, "z, q and out must share a dtype; given " + z + ", " + q + " and " + out);
        return t;
    }

    /** copy: both owned and live, same dtype, both ranges inside. */
    public static void copy(Backend be, Buffer src, long srcOff, Buffer dst, long dstOff, long n) {
        Checks.owned("copy", be, "src", src);
        Checks.owned("copy", be, "dst", dst);
        Checks.require(src.dtype() == dst.dtype(), "copy",
                "src and dst must share a dtype; given " + src + " and " + dst);
        Checks.range("copy", "src", src, srcOff, n);
        Checks.range("copy", "dst", dst, dstOff, n);
    }

    /** convert: src and dst floating (dtypes may differ), n elements each. */
    public static void convert(Backend be, Buffer src, Buffer dst, long n) {
        Checks.owned("convert", be, "src", src);
        Checks.owned("convert", be, "dst", dst);
        Checks.require(src.dtype().isFloating() && dst.dtype().isFloating(), "convert",
                "src and dst must be F32 or F64; given " + src + " and " + dst);
        Checks.nonNegative("convert", "n", n);
        Checks.range("convert", "src", src, 0, n);
        Checks.range("convert", "dst", dst, 0, n);
    }

    /** copyStrided: same dtype (any), the view inside src, the dense output inside dst. */
    public static void copyStrided(Backend be, Buffer src, Broadcast view, Buffer dst, long dstOff) {
        Checks.owned("copyStrided", be, "src", src);
        Checks.owned("copyStrided", be, "dst", dst);
        Checks.require(view != null, "copyStrided", "a view is required; given null");
        Checks.require(src.dtype() == dst.dtype(), "copyStrided",
                "src and dst must share a dtype; given " + src + " and " + dst);
        Checks.view("copyStrided", "src", src, view.shape(), view.stridesA(), view.offsetA());
        Checks.range("copyStrided", "dst", dst, dstOff, view.size());
    }

    /** gemm / gemmBatched: shapes, leading dimensions and batch extents of A, B, C. */
    public static DType gemm(String op, Backend be, boolean transA, boolean transB, int m, int n, int k,
                             Buffer a, long offA, int lda, long strideA, Buffer b, long offB, int ldb, long strideB,
                             Buffer c, long offC, int ldc, long strideC, int batch) {
        DType t = Checks.floats(op, be, "A, B, C", a, b, c);
        Checks.nonNegative(op, "m", m);
        Checks.nonNegative(op, "n", n);
        Checks.nonNegative(op, "k", k);
        Checks.nonNegative(op, "batch", batch);
        Checks.matrix(op, "A", a, offA, transA ? k : m, transA ? m : k, lda, strideA, batch);
        Checks.matrix(op, "B", b, offB, transB ? n : k, transB ? k : n, ldb, strideB, batch);
        Checks.matrix(op, "C", c, offC, m, n, ldc, strideC, batch);
        Checks.require(batch <= 1 || strideC >= (long) (m - 1) * ldc + n || m == 0 || n == 0, op,
                "batch entries of C must not overlap: strideC >= (m-1)*ldc+n = " + ((long) (m - 1) * ldc + n)
                        + "; given " + strideC);
        return t;
    }

    /** binary: the two operand views inside a and b, the dense output inside out. */
    public static DType binary(Backend be, Binary op, Buffer a, Buffer b, Buffer out, Broadcast bc) {
        String name = "binary " + op;
        Checks.require(op != null && bc != null, "binary", "op and broadcast are required; given " + op + ", " + bc);
        DType t = Checks.floats(name, be, "a, b, out", a, b, out);
        Checks.view(name, "a", a, bc.shape(), bc.stridesA(), bc.offsetA());
        Checks.view(name, "b", b, bc.shape(), bc.stridesB(), bc.offsetB());
        Checks.range(name, "out", out, 0, bc.size());
        return t;
    }

    /** reduce: x holds outer*axis*inner, out holds outer*inner. */
    public static DType reduce(Backend be, Reduce op, Buffer x, Buffer out, long outer, long axis, long inner) {
        String name = "reduce " + op;
        DType t = Checks.floats(name, be, "x, out", x, out);
        Checks.nonNegative(name, "outer", outer);
        Checks.nonNegative(name, "axis", axis);
        Checks.nonNegative(name, "inner", inner);
        Checks.range(name, "x", x, 0, outer * axis * inner);
        Checks.range(name, "out", out, 0, outer * inner);
        return t;
    }

    /** layerNorm: x, out rows x cols; mean, rstd rows; eps finite and >= 0. */
    public static DType layerNorm(String op, Backend be, int rows, int cols, Buffer x, Buffer out, Buffer mean,
                                  Buffer rstd, double eps) {
        DType t = rows(op, be, rows, cols, "x, out", x, out);
        Checks.floats(op, be, "x, mean, rstd", x, mean, rstd);
        Checks.range(op, "mean", mean, 0, rows);
        Checks.range(op, "rstd", rstd, 0, rows);
        Checks.require(eps >= 0 && Double.isFinite(eps), op, "eps must be finite and >= 0; given " + eps);
        return t;
    }

    /** layerNormBackward: dy, x, dx rows x cols; mean, rstd rows. */
    public static DType layerNormBackward(Backend be, Buffer dy, Buffer x, Buffer mean, Buffer rstd, Buffer dx,
                                          int rows, int cols) {
        String op = "layerNormBackward";
        DType t = rows(op, be, rows, cols, "dy, x, dx", dy, x, dx);
        Checks.floats(op, be, "dy, mean, rstd", dy, mean, rstd);
        Checks.range(op, "mean", mean, 0, rows);
        Checks.range(op, "rstd", rstd, 0, rows);
        return t;
    }

    /** attention: q, out [batch, tq, heads, dh]; k, v [batch, tk, heads, dh]; lse [batch, heads, tq]; tq <= tk. */
    public static DType attention(Backend be, Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse, int batch,
                                  int heads, int tq, int tk, int dh, double scale) {
        String op = "attention";
        DType t = Checks.floats(op, be, "q, k, v, out, lse", q, k, v, out, lse);
        attentionSizes(op, batch, heads, tq, tk, dh, scale);
        long nq = (long) batch * tq * heads * dh;
        long nk = (long) batch * tk * heads * dh;
        Checks.range(op, "q", q, 0, nq);
        Checks.range(op, "k", k, 0, nk);
        Checks.range(op, "v", v, 0, nk);
        Checks.range(op, "out", out, 0, nq);
        Checks.range(op, "lse", lse, 0, (long) batch * heads * tq);
        return t;
    }

    /** attentionBackward: the buffers of {@link #attention}, dOut and dq like q, dk and dv like k. */
    public static DType attentionBackward(Backend be, Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse,
                                          Buffer dOut, Buffer dq, Buffer dk, Buffer dv, int batch, int heads, int tq,
                                          int tk, int dh, double scale) {
        String op = "attentionBackward";
        DType t = Checks.floats(op, be, "q, k, v, out, lse, dOut, dq, dk, dv", q, k, v, out, lse, dOut, dq, dk, dv);
        attentionSizes(op, batch, heads, tq, tk, dh, scale);
        long nq = (long) batch * tq * heads * dh;
        long nk = (long) batch * tk * heads * dh;
        Checks.range(op, "q", q, 0, nq);
        Checks.range(op, "k", k, 0, nk);
        Checks.range(op, "v", v, 0, nk);
        Checks.range(op, "out", out, 0, nq);
        Checks.range(op, "lse", lse, 0, (long) batch * heads * tq);
        Checks.range(op, "dOut", dOut, 0, nq);
        Checks.range(op, "dq", dq, 0, nq);
        Checks.range(op, "dk", dk, 0, nk);
        Checks.range(op, "dv", dv, 0, nk);
        return t;
    }

    /** attentionJvp: the buffers of {@link #attention}, qDot and outDot like q, kDot and vDot like k. */
    public static DType attentionJvp(Backend be, Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse, Buffer qDot,
                                     Buffer kDot, Buffer vDot, Buffer outDot, int batch, int heads, int tq, int tk,
                                     int dh, double scale) {
        String op = "attentionJvp";
        DType t = Checks.floats(op, be, "q, k, v, out, lse, qDot, kDot, vDot, outDot", q, k, v, out, lse, qDot, kDot,
                vDot, outDot);
        attentionSizes(op, batch, heads, tq, tk, dh, scale);
        long nq = (long) batch * tq * heads * dh;
        long nk = (long) batch * tk * heads * dh;
        Checks.range(op, "q", q, 0, nq);
        Checks.range(op, "k", k, 0, nk);
        Checks.range(op, "v", v, 0, nk);
        Checks.range(op, "out", out, 0, nq);
        Checks.range(op, "lse", lse, 0, (long) batch * heads * tq);
        Checks.range(op, "qDot", qDot, 0, nq);
        Checks.range(op, "kDot", kDot, 0, nk);
        Checks.range(op, "vDot", vDot, 0, nk);
        Checks.range(op, "outDot", outDot, 0, nq);
        return t;
    }

    /**
     * attentionBackwardJvp: the buffers of {@link #attentionBackward} but out; directions consecutive tangents qDot, dOutDot
     * (like q) and kDot, vDot (like k); outputs dqDot, dkDot, dvDot with direction stride outStride.
     */
    public static DType attentionBackwardJvp(Backend be, Buffer q, Buffer k, Buffer v, Buffer lse,
                                             Buffer dOut, Buffer qDot, Buffer kDot, Buffer vDot, Buffer dOutDot,
                                             Buffer dqDot, Buffer dkDot, Buffer dvDot, int directions,
                                             long outStride, int batch, int heads, int tq, int tk, int dh,
                                             double scale) {
        String op = "attentionBackwardJvp";
        DType t = Checks.floats(op, be, "q, k, v, lse, dOut, qDot, kDot, vDot, dOutDot, dqDot, dkDot, dvDot", q, k,
                v, lse, dOut, qDot, kDot, vDot, dOutDot, dqDot, dkDot, dvDot);
        attentionSizes(op, batch, heads, tq, tk, dh, scale);
        Checks.nonNegative(op, "directions", directions);
        long nq = (long) batch * tq * heads * dh;
        long nk = (long) batch * tk * heads * dh;
        Checks.range(op, "q", q, 0, nq);
        Checks.range(op, "k", k, 0, nk);
        Checks.range(op, "v", v, 0, nk);
        Checks.range(op, "lse", lse, 0, (long) batch * heads * tq);
        Checks.range(op, "dOut", dOut, 0, nq);
        Checks.require(outStride >= Math.max(nq, nk), op, "outStride must be >= max(nq, nk) = " + Math.max(nq, nk)
                + " (directions' outputs must not overlap); given " + outStride);
        Checks.range(op, "qDot", qDot, 0, directions * nq);
        Checks.range(op, "kDot", kDot, 0, directions * nk);
        Checks.range(op, "vDot", vDot, 0, directions * nk);
        Checks.range(op, "dOutDot", dOutDot, 0, directions * nq);
        if (directions > 0) {
            Checks.range(op, "dqDot", dqDot, 0, (directions - 1) * outStride + nq);
            Checks.range(op, "dkDot", dkDot, 0, (directions - 1) * outStride + nk);
            Checks.range(op, "dvDot", dvDot, 0, (directions - 1) * outStride + nk);
        }
        return t;
    }

    private static void attentionSizes(String op, int batch, int heads, int tq, int tk, int dh, double scale) {
        Checks.nonNegative(op, "batch", batch);
        Checks.nonNegative(op, "heads", heads);
        Checks.nonNegative(op, "tq", tq);
        Checks.nonNegative(op, "tk", tk);
        Checks.require(dh >= 1, op, "dh must be >= 1; given " + dh);
        Checks.require(tq <= tk, op, "tq <= tk is required (query i sees keys j <= i + tk - tq); given tq " + tq
                + ", tk " + tk);
        Checks.require(Double.isFinite(scale), op, "scale must be finite; given " + scale);
    }

    /** gatherRows: table tableRows x cols, idx I32 of n, out n x cols (index values are checked separately). */
    public static DType gather(Backend be, Buffer table, int tableRows, int cols, Buffer idx, int n, Buffer out) {
        return indexedRows("gatherRows", be, "out", out, idx, n, cols, table, tableRows);
    }

    /** scatterAddRows: src n x cols, idx I32 of n, table tableRows x cols (index values checked separately). */
    public static DType scatter(Backend be, Buffer src, Buffer idx, int n, int cols, Buffer table, int tableRows) {
        return indexedRows("scatterAddRows", be, "src", src, idx, n, cols, table, tableRows);
    }

    /** The shared checks of gather/scatter: {@code rows} n x cols, idx I32 of n, table tableRows x cols. */
    private static DType indexedRows(String op, Backend be, String rowsName, Buffer rows, Buffer idx, int n, int cols,
                                     Buffer table, int tableRows) {
        DType t = Checks.floats(op, be, "table, " + rowsName, table, rows);
        Checks.dtype(op, be, "idx", idx, DType.I32);
        Checks.nonNegative(op, "tableRows", tableRows);
        Checks.nonNegative(op, "cols", cols);
        Checks.nonNegative(op, "n", n);
        Checks.range(op, "table", table, 0, (long) tableRows * cols);
        Checks.range(op, "idx", idx, 0, n);
        Checks.range(op, rowsName, rows, 0, (long) n * cols);
        return t;
    }

    /** symmetricEigen: a n x n, w n. */
    public static DType eigen(Backend be, Buffer a, Buffer w, int n) {
        String op = "symmetricEigen";
        DType t = Checks.floats(op, be, "a, w", a, w);
        Checks.nonNegative(op, "n", n);
        Checks.range(op, "a", a, 0, (long) n * n);
        Checks.range(op, "w", w, 0, n);
        return t;
    }
}
