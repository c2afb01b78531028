package carnot.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Raw compute over flat {@link Buffer}s: no shapes beyond what an op needs, no autodiff.
 *
 * <p>Conventions for every op:
 * <ul>
 *   <li>All buffers of one call belong to this backend and share one floating dtype, except index buffers (I32).</li>
 *   <li>Matrices are row-major; {@code off*} and {@code ld*} are in elements.</li>
 *   <li>Bad input (wrong dtype, foreign or freed buffer, sizes that do not fit, out-of-range indices) throws an
 *       unchecked exception naming the op, what was required and what was given, before anything is written.</li>
 *   <li>Results do not depend on timing: the same inputs and thread count give bitwise the same output.</li>
 *   <li>Reductions and dots on the reference backend accumulate in f64; other backends may accumulate in the
 *       buffer dtype with a documented order.</li>
 * </ul>
 * Implementations: {@code RefBackend} (scalar oracle), {@code CpuBackend} (Vector API + OpenBLAS),
 * {@code CudaBackend} (PTX kernels; runs on a real GPU or on the host emulation of the launch model).
 */
public interface Backend extends AutoCloseable {

    /** Short name used in messages and flags: "ref", "cpu", "cuda", "cuda-emu". */
    String name();

    // ---- memory -------------------------------------------------------------------------------------------

    /** A new zero-filled buffer of {@code n} elements. */
    Buffer alloc(DType dtype, long n);

    /**
     * A new buffer of {@code n} elements with undefined contents, for outputs that a kernel overwrites entirely;
     * backends that recycle memory skip the zero fill. The default is {@link #alloc}.
     */
    default Buffer allocUninitialized(DType dtype, long n) {
        return alloc(dtype, n);
    }

    /** Frees the buffer's memory; a second free is a no-op, any later use throws. */
    void free(Buffer b);

    /** Copies {@code n} elements of host memory {@code src} (same dtype layout) into {@code dst} at {@code dstOff}. */
    void upload(MemorySegment src, Buffer dst, long dstOff, long n);

    /** Copies {@code n} elements of {@code src} from {@code srcOff} into host memory {@code dst}. */
    void download(Buffer src, long srcOff, MemorySegment dst, long n);

    /** {@code dst[dstOff + i] = src[srcOff + i]} for i &lt; n; same dtype. */
    void copy(Buffer src, long srcOff, Buffer dst, long dstOff, long n);

    /** {@code x[off + i] = value} for i &lt; n. */
    void fill(Buffer x, long off, long n, double value);

    /** Converts between F32 and F64 (or copies when equal): {@code dst[i] = (dtype of dst) src[i]}, i &lt; n. */
    void convert(Buffer src, Buffer dst, long n);

    /**
     * Strided gather into dense: {@code dst[dense(i)] = src[offsetA + sum_d i_d * stridesA[d]]} over the index
     * space {@code view.shape()} (B fields unused). Covers transpose, permute, slice, broadcast-expand.
     * {@code dst} must hold {@code view.size()} elements from {@code dstOff}.
     */
    void copyStrided(Buffer src, Broadcast view, Buffer dst, long dstOff);

    // ---- BLAS ---------------------------------------------------------------------------------------------

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} with op(X) = X or X^T, row-major; op(A) is m x k, op(B) k x n,
     * C m x n. With beta = 0, C is overwritten (its old contents, even NaN, are ignored).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
              Buffer a, long offA, int lda, Buffer b, long offB, int ldb,
              double beta, Buffer c, long offC, int ldc);

    /**
     * {@code batch} independent GEMMs; operand p of batch i starts at {@code offP + i * strideP}. Stride 0 reuses
     * one operand for every batch entry (a shared weight).
     */
    void gemmBatched(boolean transA, boolean transB, int m, int n, int k, double alpha,
                     Buffer a, long offA, int lda, long strideA, Buffer b, long offB, int ldb, long strideB,
                     double beta, Buffer c, long offC, int ldc, long strideC, int batch);

    /** {@code y[i] += alpha * x[i]} for i &lt; n. */
    void axpy(long n, double alpha, Buffer x, Buffer y);

    /** {@code sum_i x[i] * y[i]} over i &lt; n, returned as double. */
    double dot(long n, Buffer x, Buffer y);

    /**
     * {@link #dot} left on the backend: {@code out[outOff] = sum_i x[i] * y[i]} for an F64 {@code out}, the same
     * double as {@link #dot} returns. Nothing is copied to the host and nothing waits (a device backend queues it),
     * so a pass can keep inner products as device scalars and read them once at the end.
     */
    void dotInto(long n, Buffer x, Buffer y, Buffer out, long outOff);

    // ---- elementwise ---------------------------------------------------------------------------------------

    /** {@code out[i] = op(x[i])} for i &lt; n; out may be x. */
    void unary(Unary op, Buffer x, Buffer out, long n);

    /** {@code out[i] = alpha * x[i] + beta} for i &lt; n; out may be x. */
    void affine(Buffer x, Buffer out, long n, double alpha, double beta);

    /**
     * {@code out[i] = f'(x[i])} of the tanh-form GELU {@code 0.5 x (1 + tanh(c (x + a x^3)))} for i &lt; n, in
     * one pass and bitwise equal to this backend's separate kernels for the op sequence
     * {@code x2 = x x; u = c ((a x2 + 1) x); 0.5 (tanh(u) + 1) + 0.5 c ((x tanh'(u)) (3 a x2 + 1))} (products
     * and sums by {@link #binary}, scalar multiply-adds by {@link #affine}, tanh and tanh' by {@link #unary}).
     * Returns false, writing nothing, when the backend has no such pass; the caller then runs the sequence.
     */
    default boolean geluDerivative(Buffer x, Buffer out, long n, double a, double c) {
        return false;
    }

    /** {@code out[i] = op(a[ia], b[ib])} with ia, ib given by {@code bc}; out is dense of {@code bc.shape()}. */
    void binary(Binary op, Buffer a, Buffer b, Buffer out, Broadcast bc);

    /** {@code out[i] = mask[i] != 0 ? a[i] : b[i]}, all dense of length n, mask in the float dtype. */
    void where(Buffer mask, Buffer a, Buffer b, Buffer out, long n);

    /**
     * The tangent of tanh's backward {@code g (1 - y^2)} (y = tanh z) in one pass:
     * {@code out[i] = tg[i] (1 - y[i]^2) - 2 g[i] y[i] ty[i]}, all dense of length n (the engine's jvp of
     * {@code TanhGrad}, which dominates an MLP's HVP; decomposed it is five kernel passes).
     */
    void tanhBackwardTangent(Buffer tg, Buffer g, Buffer y, Buffer ty, Buffer out, long n);

    /**
     * The tangent of GELU's backward {@code g gelu'(x)} (tanh form, gelu' as {@link Unary#D_GELU}) in one pass:
     * {@code out[i] = tg[i] gelu'(x[i]) + g[i] tx[i] gelu''(x[i])}, all dense of length n, with
     * {@code gelu''(x) = sigmoid'(z) (2 z' + x z'' + x z'^2 (1 - 2 sigmoid(z)))} for gelu written as
     * {@code x sigmoid(z)}, {@code z = 2c (x + a x^3)} (0 where sigmoid'(z) underflows). The engine's jvp of
     * {@code GeluGrad} for one direction, once per GELU layer in every Hessian-vector product.
     */
    void geluBackwardTangent(Buffer tg, Buffer g, Buffer x, Buffer tx, Buffer out, long n);

    /**
     * The tangent of sigmoid's backward {@code g y (1 - y)} (y = sigmoid z) in one pass:
     * {@code out[i] = tg[i] y[i] (1 - y[i]) + g[i] ty[i] (1 - 2 y[i])}, all dense of length n (the engine's jvp of
     * {@code SigmoidGrad} for one direction).
     */
    void sigmoidBackwardTangent(Buffer tg, Buffer g, Buffer y, Buffer ty, Buffer out, long n);

    // ---- reductions ----------------------------------------------------------------------------------------

    /** {@code out[o * inner + j] = op over a of x[(o * axis + a) * inner + j]}; out has outer*inner elements. */
    void reduce(Reduce op, Buffer x, Buffer out, long outer, long axis, long inner);

    // ---- rows: softmax, layer norm -------------------------------------------------------------------------

    /** Row softmax (or log-softmax when {@code log}) of a rows x cols matrix, max-subtracted. out may be x. */
    void softmax(Buffer x, Buffer out, int rows, int cols, boolean log);

    /**
     * Fused softmax cross-entropy per row of rows x cols logits z and targets q (a distribution, one-hot for class
     * ids): {@code out[r] = -sum_j q[r, j] * logSoftmax(z)[r, j]} with {@code logSoftmax(z)_j = z_j - m - log sum_k
     * exp(z_k - m)}, {@code m = max_k z_k}; out holds rows elements.
     */
    void softmaxCrossEntropy(Buffer z, Buffer q, Buffer out, int rows, int cols);

    /**
     * Layer norm over rows x cols without affine part: {@code mean[r]}, {@code rstd[r] = 1/sqrt(var[r] + eps)}
     * (biased variance), {@code out = (x - mean) * rstd}. Gain and bias are applied by the caller with binary ops.
     */
    void layerNorm(Buffer x, Buffer out, Buffer mean, Buffer rstd, int rows, int cols, double eps);

    /**
     * Backward of {@link #layerNorm} with respect to x, given the upstream gradient {@code dy} on the normalized
     * output xhat: {@code dx = rstd * (dy - mean_c(dy) - xhat * mean_c(dy * xhat))}, per row.
     */
    void layerNormBackward(Buffer dy, Buffer x, Buffer mean, Buffer rstd, Buffer dx, int rows, int cols);

    // ---- attention ------------------------------------------------------------------------------------------

    /**
     * Fused causal attention per (batch, head), flash style: no tq x tk score matrix is stored. Layout (row-major,
     * the one a [batch * t, heads * dh] projection has): q [batch, tq, heads, dh], k and v [batch, tk, heads, dh],
     * out like q, {@code tq <= tk}. Query i sees keys {@code j <= i + tk - tq} (causal, aligned at the last
     * position; tq = tk is the usual mask). With {@code s_ij = scale q_i . k_j} over the visible keys:
     * {@code out_i = sum_j softmax_j(s_i)_j v_j} and the row's log-sum-exp {@code lse[b, h, i] = log sum_j exp s_ij}
     * (lse is [batch, heads, tq]), which the backward uses to recompute the probabilities.
     */
    void attention(Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse, int batch, int heads, int tq, int tk, int dh,
                   double scale);

    /**
     * Backward of {@link #attention} given the output gradient {@code dOut} (like out), the forward's out and lse:
     * {@code D_i = dOut_i . out_i}, {@code P_ij = exp(s_ij - lse_i)}, {@code dS_ij = P_ij (dOut_i . v_j - D_i)};
     * {@code dq_i = scale sum_j dS_ij k_j}, {@code dk_j = scale sum_i dS_ij q_i}, {@code dv_j = sum_i P_ij dOut_i}
     * (FlashAttention-2's recomputation). dq like q, dk and dv like k; every element is written.
     */
    void attentionBackward(Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse, Buffer dOut, Buffer dq, Buffer dk,
                           Buffer dv, int batch, int heads, int tq, int tk, int dh, double scale);

    /**
     * Forward-mode tangent of {@link #attention}, fused (flash style, no tq x tk matrix stored), from the forward's
     * out and lse. Tangents {@code qDot} (like q), {@code kDot}, {@code vDot} (like k) give {@code outDot} (like out;
     * every element written), same layout as {@link #attention}. Per (batch, head) and query row i, over the visible
     * keys {@code j <= i + tk - tq}, in one pass: {@code p_j = exp(scale q_i . k_j - lse_i)},
     * {@code ds_j = scale (qDot_i . k_j + q_i . kDot_j)}, {@code A_i = sum_j p_j ds_j},
     * {@code outDot_i = sum_j p_j vDot_j + sum_j p_j ds_j v_j - A_i out_i}. An absent tangent is passed as zeros.
     */
    void attentionJvp(Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse, Buffer qDot, Buffer kDot, Buffer vDot,
                      Buffer outDot, int batch, int heads, int tq, int tk, int dh, double scale);

    /**
     * Forward-mode tangent of {@link #attentionBackward}, fused (flash style, no tq x tk matrix stored), from the
     * forward's lse, for {@code directions} tangent directions at once: direction z's tangents {@code qDot},
     * {@code dOutDot} (like q) start at z nq, {@code kDot}, {@code vDot} (like k) at z nk (nq, nk the sizes of q
     * and k); its outputs {@code dqDot} (like q), {@code dkDot}, {@code dvDot} (like k) at z outStride
     * ({@code outStride >= max(nq, nk)}; every element of those blocks written). Per (batch, head), over the
     * visible keys, with P, dP, dS of {@link #attentionBackward}, {@code S' = scale (qDot kᵀ + q kDotᵀ)},
     * {@code dP' = dOutDot vᵀ + dOut vDotᵀ} and the row sums {@code D = Σ P dP} (= dOut . out),
     * {@code a = Σ P S'}, {@code b = Σ P dP'}, {@code c = Σ P dP S'} of one pass over the keys:
     * {@code P' = P (S' − a)}, {@code D' = b + (c − a D)},
     * {@code dS' = P' (dP − D) + P (dP' − D')}; {@code dqDot = scale (dS' k + dS kDot)},
     * {@code dkDot = scale (dS'ᵀ q + dSᵀ qDot)}, {@code dvDot = P'ᵀ dOut + Pᵀ dOutDot}. An absent tangent is
     * passed as zeros.
     */
    void attentionBackwardJvp(Buffer q, Buffer k, Buffer v, Buffer lse, Buffer dOut, Buffer qDot,
                              Buffer kDot, Buffer vDot, Buffer dOutDot, Buffer dqDot, Buffer dkDot, Buffer dvDot,
                              int directions, long outStride, int batch, int heads, int tq, int tk, int dh,
                              double scale);

    // ---- indexing ------------------------------------------------------------------------------------------

    /**
     * {@code out[i, :] = table[idx[i], :]} for i &lt; n; table is tableRows x cols; idx is I32. An index outside
     * [0, tableRows) throws {@link IndexOutOfBoundsException} naming the first bad {@code idx[i]} and the table size,
     * and nothing is written; host backends throw at the call, a device backend may check on the device and throw at
     * its next synchronisation point ({@link #synchronize}, a download, {@link #dot}). Same for {@link #scatterAddRows}.
     */
    void gatherRows(Buffer table, int tableRows, int cols, Buffer idx, int n, Buffer out);

    /** {@code table[idx[i], :] += src[i, :]} for i &lt; n, deterministic (fixed summation order). */
    void scatterAddRows(Buffer src, Buffer idx, int n, int cols, Buffer table, int tableRows);

    // ---- random numbers ------------------------------------------------------------------------------------

    /**
     * Counter-based (Philox4x32-10) random numbers: element i of the stream is a pure function of
     * (seed, offset + i), so every backend gives the same numbers. {@code normal}: mean + std * N(0,1) by
     * Box-Muller; {@code uniform}: lo + (hi - lo) * U[0,1).
     */
    void uniform(Buffer out, long n, long seed, long offset, double lo, double hi);

    void normal(Buffer out, long n, long seed, long offset, double mean, double std);

    // ---- LAPACK --------------------------------------------------------------------------------------------

    /**
     * Symmetric eigendecomposition of the n x n row-major matrix {@code a} (lower and upper triangles equal):
     * eigenvalues ascending into {@code w}; when {@code vectors}, {@code a} is overwritten with the eigenvectors
     * as columns (row-major), else its contents are undefined afterwards.
     */
    void symmetricEigen(Buffer a, Buffer w, int n, boolean vectors);

    /** Blocks until all queued work on this backend is done (a no-op on synchronous backends). */
    default void synchronize() {
    }

    /** Releases backend-wide resources (thread pools, contexts). Buffers must be freed by their owners. */
    @Override
    default void close() {
    }
}
