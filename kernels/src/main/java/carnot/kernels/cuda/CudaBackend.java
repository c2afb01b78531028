package carnot.kernels.cuda;

import carnot.kernels.Backend;
import carnot.kernels.Binary;
import carnot.kernels.Broadcast;
import carnot.kernels.Buffer;
import carnot.kernels.Checks;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.Ops;
import carnot.kernels.Reduce;
import carnot.kernels.Unary;
import carnot.kernels.attention.AttentionCuda;
import carnot.kernels.eigen.EigenCuda;
import carnot.kernels.elementwise.ElementwiseCuda;
import carnot.kernels.gemm.GemmCuda;
import carnot.kernels.gemm.GemmPrecision;
import carnot.kernels.indexing.IndexingCuda;
import carnot.kernels.layernorm.LayerNormCuda;
import carnot.kernels.memory.MemoryCuda;
import carnot.kernels.reduce.ReduceCuda;
import carnot.kernels.rng.RngCuda;
import carnot.kernels.softmax.SoftmaxCuda;

import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The CUDA backend: buffers are device memory (a {@link Buffer}'s segment is a zero-length segment whose address is
 * the device pointer, {@code hostVisible() == false}). Like the other backends it is a thin table: every op
 * validates with the shared {@link Ops}/{@link Checks} rules, then calls its family's CUDA variant
 * ({@code <family>.<Family>Cuda}, beside the family's Ref and Simd code), which packs the arguments and queues the
 * kernel of {@code src/main/cuda/<family>.cu} on a {@link CudaDevice}. Only memory (allocation, host transfers)
 * is handled here. Nothing touches device memory directly, so it runs unchanged on a GPU ({@link JCudaLauncher})
 * and on the host emulation ({@link EmulatedLauncher}, name "cuda-emu").
 *
 * <p>Numerics: reductions, dot, softmax and layer-norm sums accumulate in double in a fixed tree order (results do
 * not depend on timing); GEMM accumulates in the buffer dtype; activations are evaluated in the buffer dtype.
 * Index buffers of gather and scatter are checked on the device (no download, no synchronisation per call):
 * a bad index makes the op write nothing and is raised, with the host check's message, at the next synchronisation
 * point ({@link #synchronize}, {@link #download}, {@link #dot}). {@code symmetricEigen}
 * copies the matrix to the host and runs the host backend's implementation (then uploads the result).
 * {@code scatterAddRows} is deterministic (a stable device radix sort of the indices, one thread per run of equal
 * targets and column, sources in ascending order: bitwise the sequential result) unless constructed with
 * {@code atomicScatter}, which uses atomicAdd (last bits timing-dependent). Freed buffers go to a caching allocator
 * ({@link DevicePool}) and are reused, zero-filled, by later allocations of the same block size.
 */
public final class CudaBackend implements Backend {
    private final CountingLauncher launcher;
    private final DevicePool pool;
    private final String name;
    private final Supplier<Backend> hostFactory;
    private Backend host;
    private final boolean atomicScatter;
    private final GemmPrecision gemmPrecision;
    private final CudaDevice device;
    private final Set<Buffer> live = ConcurrentHashMap.newKeySet();
    private boolean closed;

    /**
     * A backend over {@code launcher}, reported as {@code name}; {@code host} creates (on first use) the host
     * backend that runs {@code symmetricEigen}; it is closed with this backend.
     */
    public CudaBackend(KernelLauncher launcher, String name, Supplier<Backend> host, boolean atomicScatter) {
        this(launcher, name, host, atomicScatter, GemmPrecision.EXACT);
    }

    /**
     * As above, with f32 GEMMs in {@code gemmPrecision} ({@link GemmPrecision}); the tensor-core modes require a
     * launcher of compute capability 8.0 or more.
     */
    public CudaBackend(KernelLauncher launcher, String name, Supplier<Backend> host, boolean atomicScatter,
                       GemmPrecision gemmPrecision) {
        if (gemmPrecision.tensorCores() && launcher.computeCapability() < 80) {
            int cc = launcher.computeCapability();
            launcher.close();
            throw new CudaException("GEMM precision " + gemmPrecision + " requires tensor cores of compute capability"
                    + " >= 8.0; given " + cc / 10 + "." + cc % 10 + " (use " + GemmPrecision.EXACT + ")");
        }
        this.gemmPrecision = gemmPrecision;
        this.launcher = new CountingLauncher(launcher);
        this.pool = new DevicePool(this.launcher);
        this.name = name;
        this.hostFactory = host;
        this.atomicScatter = atomicScatter;
        this.device = new CudaDevice(this.launcher);
    }

    /**
     * The CUDA backend on the host emulation ("cuda-emu"), blocks spread over all hardware threads, f32 GEMMs in the
     * mode of {@code -D}{@value GemmPrecision#PROPERTY} (exact when unset).
     */
    public static CudaBackend emulated() {
        return emulated(GemmPrecision.fromSystemProperty());
    }

    /** The CUDA backend on the host emulation with f32 GEMMs in {@code gemmPrecision}. */
    public static CudaBackend emulated(GemmPrecision gemmPrecision) {
        return new CudaBackend(new EmulatedLauncher(0), "cuda-emu", () -> new CpuBackend(1), false, gemmPrecision);
    }

    /**
     * The CUDA backend on GPU {@code device}; throws {@link CudaException} saying why when no usable GPU exists
     * (see {@link CudaSupport#unavailableReason()}).
     */
    public static CudaBackend gpu(int device) {
        return gpu(device, GemmPrecision.fromSystemProperty());
    }

    /** The CUDA backend on GPU {@code device} with f32 GEMMs in {@code gemmPrecision}. */
    public static CudaBackend gpu(int device, GemmPrecision gemmPrecision) {
        String why = CudaSupport.unavailableReason();
        if (why != null) {
            throw new CudaException("cuda backend unavailable: " + why + "; use --backend cpu (or auto)");
        }
        return new CudaBackend(new JCudaLauncher(device), "cuda", CpuBackend::new, false, gemmPrecision);
    }

    /**
     * The CUDA backend on GPU {@code device} with the GEMM chosen by the caller instead of {@code -Dcarnot.cuda.cublas}:
     * cuBLAS when {@code cublasBaseline} (if a libcublas loads; {@link JCudaLauncher#description()} says which GEMM
     * runs), else the hand-written kernels.
     */
    public static CudaBackend gpu(int device, boolean cublasBaseline) {
        return gpu(device, cublasBaseline, GemmPrecision.EXACT);
    }

    /**
     * As {@link #gpu(int, boolean)} with f32 GEMMs in {@code gemmPrecision}: the hand-written kernels of that mode,
     * or cuBLAS with the matching compute type (TF32 / BF16 tensor cores) when {@code cublasBaseline}.
     */
    public static CudaBackend gpu(int device, boolean cublasBaseline, GemmPrecision gemmPrecision) {
        String why = CudaSupport.unavailableReason();
        if (why != null) {
            throw new CudaException("cuda backend unavailable: " + why + "; use --backend cpu (or auto)");
        }
        return new CudaBackend(new JCudaLauncher(device, cublasBaseline, gemmPrecision),
                cublasBaseline ? "cuda-cublas" : "cuda", CpuBackend::new, false, gemmPrecision);
    }

    /** Every kernel this backend has launched so far, as {@code module/kernel} (a test's view of the dispatch). */
    public java.util.Set<String> kernelsLaunched() {
        return launcher.launched();
    }

    /** Host↔device copies and synchronisations made through this backend so far (all of them: every copy goes through its launcher). */
    public Transfers transfers() {
        return launcher.transfers();
    }

    /** The launcher this backend queues work on (copies made on it directly are not in {@link #transfers()}). */
    public KernelLauncher launcher() {
        return launcher.inner();
    }

    /** The arithmetic of this backend's f32 GEMMs (fixed at construction). */
    public GemmPrecision gemmPrecision() {
        return gemmPrecision;
    }

    /** Number of buffers allocated and not yet freed. */
    public int liveBuffers() {
        return live.size();
    }

    @Override
    public String name() {
        return name;
    }

    // ---- memory -------------------------------------------------------------------------------------------

    @Override
    public Buffer alloc(DType dtype, long n) {
        if (dtype == null) {
            throw new IllegalArgumentException("alloc: dtype is required; given null");
        }
        Checks.nonNegative("alloc", "length", n);
        if (n > Long.MAX_VALUE / 16) {
            throw new IllegalArgumentException("alloc: length must be < 2^59; given " + n);
        }
        long bytes = Math.max(1, n * dtype.bytes());
        long a = pool.alloc(bytes);
        try {
            launcher.memsetZero(a, bytes);
        } catch (RuntimeException e) {
            pool.free(a, bytes);
            throw e;
        }
        Buffer b = new Buffer(this, dtype, n, MemorySegment.ofAddress(a), false);
        live.add(b);
        return b;
    }

    @Override
    public void free(Buffer b) {
        if (b == null) {
            throw new IllegalArgumentException("free: buffer is required; given null");
        }
        if (b.owner() != this) {
            throw new IllegalArgumentException("free: buffer must belong to backend '" + name + "'; given " + b);
        }
        if (b.isView()) {
            b.close();
            return;
        }
        if (b.isFreed()) {
            return;
        }
        long a = b.segment().address();
        if (b.markFreed()) {
            live.remove(b);
            pool.free(a, Math.max(1, b.byteSize()));
        }
    }

    @Override
    public void upload(MemorySegment src, Buffer dst, long dstOff, long n) {
        Checks.owned("upload", this, "dst", dst);
        Checks.host("upload", src, dst.dtype(), n);
        Checks.range("upload", "dst", dst, dstOff, n);
        if (n > 0) {
            launcher.copyToDevice(src, CudaDevice.addr(dst, dstOff), n * dst.dtype().bytes());
        }
    }

    @Override
    public void download(Buffer src, long srcOff, MemorySegment dst, long n) {
        Checks.owned("download", this, "src", src);
        Checks.host("download", dst, src.dtype(), n);
        Checks.range("download", "src", src, srcOff, n);
        device.checkpoint();
        if (n > 0) {
            launcher.copyToHost(CudaDevice.addr(src, srcOff), dst, n * src.dtype().bytes());
        }
    }

    @Override
    public void copy(Buffer src, long srcOff, Buffer dst, long dstOff, long n) {
        Ops.copy(this, src, srcOff, dst, dstOff, n);
        MemoryCuda.copy(device, src, srcOff, dst, dstOff, n);
    }

    @Override
    public void fill(Buffer x, long off, long n, double value) {
        Checks.owned("fill", this, "x", x);
        Checks.range("fill", "x", x, off, n);
        MemoryCuda.fill(device, x, off, n, value);
    }

    @Override
    public void convert(Buffer src, Buffer dst, long n) {
        Ops.convert(this, src, dst, n);
        MemoryCuda.convert(device, src, dst, n);
    }

    @Override
    public void copyStrided(Buffer src, Broadcast view, Buffer dst, long dstOff) {
        Ops.copyStrided(this, src, view, dst, dstOff);
        MemoryCuda.copyStrided(device, src, view, dst, dstOff);
    }

    // ---- the op families ------------------------------------------------------------------------------------

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Buffer a, long offA, int lda,
                     Buffer b, long offB, int ldb, double beta, Buffer c, long offC, int ldc) {
        DType t = Ops.gemm("gemm", this, transA, transB, m, n, k, a, offA, lda, 0, b, offB, ldb, 0, c, offC, ldc,
                0, 1);
        GemmCuda.gemm(device, gemmPrecision, "gemm", t, transA, transB, m, n, k, alpha, a, offA, lda, 0, b, offB, ldb, 0, beta, c,
                offC, ldc, 0, 1);
    }

    @Override
    public void gemmBatched(boolean transA, boolean transB, int m, int n, int k, double alpha, Buffer a, long offA,
                            int lda, long strideA, Buffer b, long offB, int ldb, long strideB, double beta, Buffer c,
                            long offC, int ldc, long strideC, int batch) {
        DType t = Ops.gemm("gemmBatched", this, transA, transB, m, n, k, a, offA, lda, strideA, b, offB, ldb,
                strideB, c, offC, ldc, strideC, batch);
        GemmCuda.gemm(device, gemmPrecision, "gemmBatched", t, transA, transB, m, n, k, alpha, a, offA, lda, strideA, b, offB, ldb,
                strideB, beta, c, offC, ldc, strideC, batch);
    }

    @Override
    public void axpy(long n, double alpha, Buffer x, Buffer y) {
        ElementwiseCuda.axpy(device, Ops.dense("axpy", this, n, "x, y", x, y), n, alpha, x, y);
    }

    @Override
    public double dot(long n, Buffer x, Buffer y) {
        double d = ReduceCuda.dot(device, Ops.dense("dot", this, n, "x, y", x, y), n, x, y);
        device.checkpoint();
        return d;
    }

    @Override
    public void dotInto(long n, Buffer x, Buffer y, Buffer out, long outOff) {
        ReduceCuda.dotInto(device, Ops.dotInto(this, n, x, y, out, outOff), n, x, y, CudaDevice.addr(out, outOff));
    }

    @Override
    public void unary(Unary op, Buffer x, Buffer out, long n) {
        Checks.require(op != null, "unary", "op is required; given null");
        ElementwiseCuda.unary(device, Ops.dense("unary " + op, this, n, "x, out", x, out), op, x, out, n);
    }

    @Override
    public void affine(Buffer x, Buffer out, long n, double alpha, double beta) {
        ElementwiseCuda.affine(device, Ops.dense("affine", this, n, "x, out", x, out), x, out, n, alpha, beta);
    }

    @Override
    public void binary(Binary op, Buffer a, Buffer b, Buffer out, Broadcast bc) {
        ElementwiseCuda.binary(device, Ops.binary(this, op, a, b, out, bc), op, a, b, out, bc);
    }

    @Override
    public void tanhBackwardTangent(Buffer tg, Buffer g, Buffer y, Buffer ty, Buffer out, long n) {
        ElementwiseCuda.tanhBackwardTangent(device, Ops.dense("tanhBackwardTangent", this, n, "tg, g, y, ty, out", tg,
                g, y, ty, out), tg, g, y, ty, out, n);
    }

    @Override
    public void geluBackwardTangent(Buffer tg, Buffer g, Buffer x, Buffer tx, Buffer out, long n) {
        ElementwiseCuda.geluBackwardTangent(device, Ops.dense("geluBackwardTangent", this, n, "tg, g, x, tx, out", tg,
                g, x, tx, out), tg, g, x, tx, out, n);
    }

    @Override
    public void sigmoidBackwardTangent(Buffer tg, Buffer g, Buffer y, Buffer ty, Buffer out, long n) {
        ElementwiseCuda.sigmoidBackwardTangent(device, Ops.dense("sigmoidBackwardTangent", this, n,
                "tg, g, y, ty, out", tg, g, y, ty, out), tg, g, y, ty, out, n);
    }

    @Override
    public void where(Buffer mask, Buffer a, Buffer b, Buffer out, long n) {
        ElementwiseCuda.where(device, Ops.dense("where", this, n, "mask, a, b, out", mask, a, b, out), mask, a, b,
                out, n);
    }

    @Override
    public void reduce(Reduce op, Buffer x, Buffer out, long outer, long axis, long inner) {
        ReduceCuda.reduce(device, Ops.reduce(this, op, x, out, outer, axis, inner), op, x, out, outer, axis, inner);
    }

    @Override
    public void softmax(Buffer x, Buffer out, int rows, int cols, boolean log) {
        SoftmaxCuda.softmax(device, Ops.rows("softmax", this, rows, cols, "x, out", x, out), x, out, rows, cols, log);
    }

    @Override
    public void softmaxCrossEntropy(Buffer z, Buffer q, Buffer out, int rows, int cols) {
        SoftmaxCuda.crossEntropy(device, Ops.softmaxCrossEntropy(this, z, q, out, rows, cols), z, q, out, rows, cols);
    }

    @Override
    public void layerNorm(Buffer x, Buffer out, Buffer mean, Buffer rstd, int rows, int cols, double eps) {
        DType t = Ops.layerNorm("layerNorm", this, rows, cols, x, out, mean, rstd, eps);
        LayerNormCuda.forward(device, t, x, out, mean, rstd, rows, cols, eps);
    }

    @Override
    public void layerNormBackward(Buffer dy, Buffer x, Buffer mean, Buffer rstd, Buffer dx, int rows, int cols) {
        DType t = Ops.layerNormBackward(this, dy, x, mean, rstd, dx, rows, cols);
        LayerNormCuda.backward(device, t, dy, x, mean, rstd, dx, rows, cols);
    }

    @Override
    public void attention(Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse, int batch, int heads, int tq, int tk,
                          int dh, double scale) {
        DType t = Ops.attention(this, q, k, v, out, lse, batch, heads, tq, tk, dh, scale);
        AttentionCuda.forward(device, t, q, k, v, out, lse, batch, heads, tq, tk, dh, scale);
    }

    @Override
    public void attentionBackward(Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse, Buffer dOut, Buffer dq,
                                  Buffer dk, Buffer dv, int batch, int heads, int tq, int tk, int dh, double scale) {
        DType t = Ops.attentionBackward(this, q, k, v, out, lse, dOut, dq, dk, dv, batch, heads, tq, tk, dh, scale);
        AttentionCuda.backward(device, t, q, k, v, out, lse, dOut, dq, dk, dv, batch, heads, tq, tk, dh, scale);
    }

    @Override
    public void attentionJvp(Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse, Buffer qDot, Buffer kDot,
                             Buffer vDot, Buffer outDot, int batch, int heads, int tq, int tk, int dh, double scale) {
        DType t = Ops.attentionJvp(this, q, k, v, out, lse, qDot, kDot, vDot, outDot, batch, heads, tq, tk, dh, scale);
        AttentionCuda.jvp(device, t, q, k, v, out, lse, qDot, kDot, vDot, outDot, batch, heads, tq, tk, dh, scale);
    }

    @Override
    public void attentionBackwardJvp(Buffer q, Buffer k, Buffer v, Buffer lse, Buffer dOut, Buffer qDot,
                                     Buffer kDot, Buffer vDot, Buffer dOutDot, Buffer dqDot, Buffer dkDot,
                                     Buffer dvDot, int directions, long outStride, int batch, int heads, int tq,
                                     int tk, int dh, double scale) {
        DType t = Ops.attentionBackwardJvp(this, q, k, v, lse, dOut, qDot, kDot, vDot, dOutDot, dqDot, dkDot,
                dvDot, directions, outStride, batch, heads, tq, tk, dh, scale);
        AttentionCuda.backwardJvp(device, t, q, k, v, lse, dOut, qDot, kDot, vDot, dOutDot, dqDot, dkDot, dvDot,
                directions, outStride, batch, heads, tq, tk, dh, scale);
    }

    @Override
    public void gatherRows(Buffer table, int tableRows, int cols, Buffer idx, int n, Buffer out) {
        DType t = Ops.gather(this, table, tableRows, cols, idx, n, out);
        IndexingCuda.gatherRows(device, t, table, tableRows, cols, idx, n, out);
    }

    @Override
    public void scatterAddRows(Buffer src, Buffer idx, int n, int cols, Buffer table, int tableRows) {
        DType t = Ops.scatter(this, src, idx, n, cols, table, tableRows);
        IndexingCuda.scatterAddRows(device, t, atomicScatter, src, idx, n, cols, table, tableRows);
    }

    @Override
    public void uniform(Buffer out, long n, long seed, long offset, double lo, double hi) {
        RngCuda.uniform(device, Ops.dense("uniform", this, n, "out", out), out, n, seed, offset, lo, hi);
    }

    @Override
    public void normal(Buffer out, long n, long seed, long offset, double mean, double std) {
        RngCuda.normal(device, Ops.dense("normal", this, n, "out", out), out, n, seed, offset, mean, std);
    }

    /** Runs on the host backend: the matrix is downloaded, decomposed there, and the results uploaded. */
    @Override
    public void symmetricEigen(Buffer a, Buffer w, int n, boolean vectors) {
        DType t = Ops.eigen(this, a, w, n);
        if (n > 0 && host == null) {
            host = hostFactory.get();
        }
        EigenCuda.symmetricEigen(this, host, t, a, w, n, vectors);
    }

    @Override
    public void synchronize() {
        launcher.synchronize();
        device.checkpoint();
    }

    /** Bytes of freed buffers kept by the caching allocator for reuse (see {@link DevicePool}). */
    public long cachedBytes() {
        return pool.cachedBytes();
    }

    /**
     * Frees the scratch memory and the allocator's cache, closes the launcher and the host backend; buffers must be
     * freed by their owners.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pool.releaseCached();
        device.releaseScratch();
        launcher.close();
        if (host != null) {
            host.close();
        }
    }
}
