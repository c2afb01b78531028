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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The CUDA backend: buffers are device memory (a {@link Buffer}'s segment is a zero-length segment whose address is
 * the device pointer, {@code hostVisible() == false}); every op validates with the shared {@link Ops}/{@link Checks}
 * rules first, then queues the kernel of {@code src/main/cuda/<family>.cu} through its {@link KernelLauncher}.
 * It never touches device memory directly, so it runs unchanged on a GPU ({@link JCudaLauncher}) and on the host
 * emulation ({@link EmulatedLauncher}, name "cuda-emu").
 *
 * <p>Numerics: reductions, dot, softmax and layer-norm sums accumulate in double in a fixed tree order (results do
 * not depend on timing); GEMM accumulates in the buffer dtype; activations are evaluated in the buffer dtype.
 * Index buffers of gather/scatter are downloaded and checked on the host before launch. {@code symmetricEigen}
 * copies the matrix to the host and runs the host backend's implementation (then uploads the result).
 * {@code scatterAddRows} is deterministic (host-built stable buckets, one thread per touched row and column,
 * sources in ascending order: bitwise the sequential result) unless constructed with {@code atomicScatter},
 * which uses atomicAdd (no host bucketing, last bits timing-dependent). Freed buffers go to a caching allocator
 * ({@link DevicePool}) and are reused, zero-filled, by later allocations of the same block size.
 */
public final class CudaBackend implements Backend {
    /** Threads per block of 1-D grid-stride kernels. */
    public static final int THREADS = 256;
    /** Cap on the blocks of a grid-stride launch. */
    public static final int MAX_BLOCKS = 4096;
    /** Blocks of the first dot stage (partials in the scratch buffer). */
    public static final int DOT_BLOCKS = 1024;
    private static final int GEMM_TILE = 64;
    /** Output tiles below which a single GEMM with k >= 1024 uses split-K (the SM count of an H100 SXM). */
    private static final int SPLIT_K_TILES = 132;

    private final KernelLauncher dev;
    private final DevicePool pool;
    private final String name;
    private final Supplier<Backend> hostFactory;
    private Backend host;
    private final boolean atomicScatter;
    private final Set<Buffer> live = ConcurrentHashMap.newKeySet();
    private long scratch;
    private long scratchBytes;
    private boolean closed;

    /**
     * A backend over {@code launcher}, reported as {@code name}; {@code host} creates (on first use) the host
     * backend that runs {@code symmetricEigen}; it is closed with this backend.
     */
    public CudaBackend(KernelLauncher launcher, String name, Supplier<Backend> host, boolean atomicScatter) {
        this.dev = launcher;
        this.pool = new DevicePool(launcher);
        this.name = name;
        this.hostFactory = host;
        this.atomicScatter = atomicScatter;
        this.scratchBytes = (DOT_BLOCKS + 1) * 8L;
        this.scratch = launcher.malloc(scratchBytes);
    }

    /** The CUDA backend on the host emulation ("cuda-emu"), blocks spread over all hardware threads. */
    public static CudaBackend emulated() {
        return new CudaBackend(new EmulatedLauncher(0), "cuda-emu", () -> new CpuBackend(1), false);
    }

    /**
     * The CUDA backend on GPU {@code device}; throws {@link CudaException} saying why when no usable GPU exists
     * (see {@link CudaSupport#unavailableReason()}).
     */
    public static CudaBackend gpu(int device) {
        String why = CudaSupport.unavailableReason();
        if (why != null) {
            throw new CudaException("cuda backend unavailable: " + why + "; use --backend cpu (or auto)");
        }
        return new CudaBackend(new JCudaLauncher(device), "cuda", CpuBackend::new, false);
    }

    /** The launcher this backend queues work on. */
    public KernelLauncher launcher() {
        return dev;
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

    private static long addr(Buffer b, long off) {
        return b.segment().address() + off * b.dtype().bytes();
    }

    /**
     * Device scratch of at least {@code bytes} (dot partials, reduction partials, scatter buckets); reuse is safe
     * because all work is ordered on one stream. Grows by freeing and reallocating after a synchronize.
     */
    private long scratch(long bytes) {
        if (bytes > scratchBytes) {
            dev.synchronize();
            dev.free(scratch);
            scratchBytes = Math.max(bytes, 2 * scratchBytes);
            scratch = dev.malloc(scratchBytes);
        }
        return scratch;
    }

    private void launch1d(String module, String kernel, long n, KernelArgs args) {
        int blocks = (int) Math.min((n + THREADS - 1) / THREADS, MAX_BLOCKS);
        dev.launch(module, kernel, Dim3.of(blocks), Dim3.of(THREADS), args);
    }

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
            dev.memsetZero(a, bytes);
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
            dev.copyToDevice(src, addr(dst, dstOff), n * dst.dtype().bytes());
        }
    }

    @Override
    public void download(Buffer src, long srcOff, MemorySegment dst, long n) {
        Checks.owned("download", this, "src", src);
        Checks.host("download", dst, src.dtype(), n);
        Checks.range("download", "src", src, srcOff, n);
        if (n > 0) {
            dev.copyToHost(addr(src, srcOff), dst, n * src.dtype().bytes());
        }
    }

    @Override
    public void copy(Buffer src, long srcOff, Buffer dst, long dstOff, long n) {
        Checks.owned("copy", this, "src", src);
        Checks.owned("copy", this, "dst", dst);
        Checks.require(src.dtype() == dst.dtype(), "copy",
                "src and dst must share a dtype; given " + src + " and " + dst);
        Checks.range("copy", "src", src, srcOff, n);
        Checks.range("copy", "dst", dst, dstOff, n);
        if (n == 0 || (src == dst && srcOff == dstOff)) {
            return;
        }
        long bytes = n * src.dtype().bytes();
        boolean overlap = src == dst && srcOff < dstOff + n && dstOff < srcOff + n;
        if (overlap) {
            long tmp = dev.malloc(bytes);
            try {
                dev.copyOnDevice(addr(src, srcOff), tmp, bytes);
                dev.copyOnDevice(tmp, addr(dst, dstOff), bytes);
                dev.synchronize();
            } finally {
                dev.free(tmp);
            }
        } else {
            dev.copyOnDevice(addr(src, srcOff), addr(dst, dstOff), bytes);
        }
    }

    @Override
    public void fill(Buffer x, long off, long n, double value) {
        Checks.owned("fill", this, "x", x);
        Checks.range("fill", "x", x, off, n);
        if (n == 0) {
            return;
        }
        KernelArgs args = new KernelArgs().ptr(addr(x, off)).i64(n);
        switch (x.dtype()) {
            case F32 -> args.f32((float) value);
            case F64 -> args.f64(value);
            case I32 -> args.i32((int) value);
        }
        launch1d("memory", "fill_" + CudaEncoding.sfx(x.dtype()), n, args);
    }

    @Override
    public void convert(Buffer src, Buffer dst, long n) {
        Ops.convert(this, src, dst, n);
        if (n == 0) {
            return;
        }
        if (src.dtype() == dst.dtype()) {
            if (src != dst) {
                dev.copyOnDevice(addr(src, 0), addr(dst, 0), n * src.dtype().bytes());
            }
            return;
        }
        launch1d("memory", "convert_" + CudaEncoding.sfx(src.dtype()) + "_" + CudaEncoding.sfx(dst.dtype()), n,
                new KernelArgs().ptr(addr(src, 0)).ptr(addr(dst, 0)).i64(n));
    }

    @Override
    public void copyStrided(Buffer src, Broadcast view, Buffer dst, long dstOff) {
        Ops.copyStrided(this, src, view, dst, dstOff);
        long n = view.size();
        if (n == 0) {
            return;
        }
        long[] words = CudaEncoding.viewWords(view.shape(), view.stridesA(), view.offsetA(), new long[view.shape().length], 0);
        launch1d("memory", "copy_strided_" + CudaEncoding.sfx(src.dtype()), n,
                new KernelArgs().ptr(addr(src, 0)).words(words).ptr(addr(dst, dstOff)).i64(n));
    }

    // ---- BLAS ---------------------------------------------------------------------------------------------

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Buffer a, long offA, int lda,
                     Buffer b, long offB, int ldb, double beta, Buffer c, long offC, int ldc) {
        DType t = Ops.gemm("gemm", this, transA, transB, m, n, k, a, offA, lda, 0, b, offB, ldb, 0, c, offC, ldc,
                0, 1);
        gemmLaunch("gemm", t, transA, transB, m, n, k, alpha, a, offA, lda, 0, b, offB, ldb, 0, beta, c, offC, ldc,
                0, 1);
    }

    @Override
    public void gemmBatched(boolean transA, boolean transB, int m, int n, int k, double alpha, Buffer a, long offA,
                            int lda, long strideA, Buffer b, long offB, int ldb, long strideB, double beta, Buffer c,
                            long offC, int ldc, long strideC, int batch) {
        DType t = Ops.gemm("gemmBatched", this, transA, transB, m, n, k, a, offA, lda, strideA, b, offB, ldb,
                strideB, c, offC, ldc, strideC, batch);
        gemmLaunch("gemmBatched", t, transA, transB, m, n, k, alpha, a, offA, lda, strideA, b, offB, ldb, strideB,
                beta, c, offC, ldc, strideC, batch);
    }

    private void gemmLaunch(String op, DType t, boolean transA, boolean transB, int m, int n, int k, double alpha,
                            Buffer a, long offA, int lda, long strideA, Buffer b, long offB, int ldb, long strideB,
                            double beta, Buffer c, long offC, int ldc, long strideC, int batch) {
        if (m == 0 || n == 0 || batch == 0) {
            return;
        }
        long gy = (m + GEMM_TILE - 1L) / GEMM_TILE;
        Checks.require(gy <= 65535, op, "m must be <= " + 65535L * GEMM_TILE + " on CUDA (grid.y); given " + m);
        int gx = (n + GEMM_TILE - 1) / GEMM_TILE;
        boolean f32 = t == DType.F32;
        VendorGemm vendor = dev.vendorGemm();
        if (vendor != null) {
            vendor.gemm(f32, transA, transB, m, n, k, alpha, addr(a, offA), lda, strideA, addr(b, offB), ldb, strideB,
                    beta, addr(c, offC), ldc, strideC, batch);
            return;
        }
        long tiles = gx * gy;
        if (batch == 1 && tiles < SPLIT_K_TILES && k >= 1024) {
            gemmSplitK(t, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, gx,
                    (int) gy);
            return;
        }
        KernelArgs args = new KernelArgs().i32(transA ? 1 : 0).i32(transB ? 1 : 0).i32(m).i32(n).i32(k)
                .real(f32, alpha).ptr(addr(a, offA)).i32(lda).i64(strideA).ptr(addr(b, offB)).i32(ldb).i64(strideB)
                .real(f32, beta).ptr(addr(c, offC)).i32(ldc).i64(strideC).i32(batch);
        dev.launch("gemm", "gemm_" + CudaEncoding.sfx(t), new Dim3(gx, (int) gy, Math.min(batch, 65535)), Dim3.of(256), args);
    }

    /**
     * Split-K for a single product with few output tiles and a long k (weight gradients): S slices of k (multiples
     * of the 16-wide k step) so that about 2 x 132 blocks run, partial products in scratch, summed in slice order.
     */
    private void gemmSplitK(DType t, boolean transA, boolean transB, int m, int n, int k, double alpha, Buffer a,
                            long offA, int lda, Buffer b, long offB, int ldb, double beta, Buffer c, long offC,
                            int ldc, int gx, int gy) {
        long want = Math.min((2L * SPLIT_K_TILES + (long) gx * gy - 1) / ((long) gx * gy), k / 256);
        int splits = (int) Math.max(1, Math.min(want, 65535));
        int chunk = (k + splits - 1) / splits;
        chunk = (chunk + 15) / 16 * 16;
        splits = (k + chunk - 1) / chunk;
        long partial = scratch((long) splits * m * n * t.bytes());
        dev.launch("gemm", "gemm_splitk_" + CudaEncoding.sfx(t), new Dim3(gx, gy, splits), Dim3.of(256), new KernelArgs()
                .i32(transA ? 1 : 0).i32(transB ? 1 : 0).i32(m).i32(n).i32(k).i32(chunk).ptr(addr(a, offA)).i32(lda)
                .ptr(addr(b, offB)).i32(ldb).ptr(partial));
        boolean f32 = t == DType.F32;
        launch1d("gemm", "gemm_splitk_reduce_" + CudaEncoding.sfx(t), (long) m * n, new KernelArgs().ptr(partial).i32(splits)
                .i32(m).i32(n).real(f32, alpha).real(f32, beta).ptr(addr(c, offC)).i32(ldc));
    }

    @Override
    public void axpy(long n, double alpha, Buffer x, Buffer y) {
        DType t = Ops.dense("axpy", this, n, "x, y", x, y);
        if (n > 0) {
            launch1d("elementwise", "axpy_" + CudaEncoding.sfx(t), n,
                    new KernelArgs().i64(n).real(t == DType.F32, alpha).ptr(addr(x, 0)).ptr(addr(y, 0)));
        }
    }

    @Override
    public double dot(long n, Buffer x, Buffer y) {
        DType t = Ops.dense("dot", this, n, "x, y", x, y);
        if (n == 0) {
            return 0.0;
        }
        int blocks = (int) Math.min((n + THREADS - 1) / THREADS, DOT_BLOCKS);
        long part = scratch((DOT_BLOCKS + 1) * 8L);
        dev.launch("reduce", "dot_partial_" + CudaEncoding.sfx(t), Dim3.of(blocks), Dim3.of(THREADS),
                new KernelArgs().i64(n).ptr(addr(x, 0)).ptr(addr(y, 0)).ptr(part));
        long result = part + DOT_BLOCKS * 8L;
        dev.launch("reduce", "sum_partials", Dim3.of(1), Dim3.of(THREADS),
                new KernelArgs().ptr(part).i32(blocks).ptr(result));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_DOUBLE);
            dev.copyToHost(result, out, 8);
            return out.get(ValueLayout.JAVA_DOUBLE, 0);
        }
    }

    // ---- elementwise ---------------------------------------------------------------------------------------

    @Override
    public void unary(Unary op, Buffer x, Buffer out, long n) {
        Checks.require(op != null, "unary", "op is required; given null");
        DType t = Ops.dense("unary " + op, this, n, "x, out", x, out);
        if (n > 0) {
            launch1d("elementwise", "unary_" + CudaEncoding.sfx(t), n,
                    new KernelArgs().i32(CudaEncoding.code(op)).ptr(addr(x, 0)).ptr(addr(out, 0)).i64(n));
        }
    }

    @Override
    public void affine(Buffer x, Buffer out, long n, double alpha, double beta) {
        DType t = Ops.dense("affine", this, n, "x, out", x, out);
        if (n > 0) {
            boolean f32 = t == DType.F32;
            launch1d("elementwise", "affine_" + CudaEncoding.sfx(t), n, new KernelArgs().ptr(addr(x, 0)).ptr(addr(out, 0)).i64(n)
                    .real(f32, alpha).real(f32, beta));
        }
    }

    @Override
    public void binary(Binary op, Buffer a, Buffer b, Buffer out, Broadcast bc) {
        DType t = Ops.binary(this, op, a, b, out, bc);
        long n = bc.size();
        if (n == 0) {
            return;
        }
        long[] words = CudaEncoding.viewWords(bc.shape(), bc.stridesA(), bc.offsetA(), bc.stridesB(), bc.offsetB());
        launch1d("elementwise", "binary_" + CudaEncoding.sfx(t), n, new KernelArgs().i32(CudaEncoding.code(op)).ptr(addr(a, 0))
                .ptr(addr(b, 0)).ptr(addr(out, 0)).words(words).i64(n));
    }

    @Override
    public void where(Buffer mask, Buffer a, Buffer b, Buffer out, long n) {
        DType t = Ops.dense("where", this, n, "mask, a, b, out", mask, a, b, out);
        if (n > 0) {
            launch1d("elementwise", "where_" + CudaEncoding.sfx(t), n, new KernelArgs().ptr(addr(mask, 0)).ptr(addr(a, 0))
                    .ptr(addr(b, 0)).ptr(addr(out, 0)).i64(n));
        }
    }

    // ---- reductions ----------------------------------------------------------------------------------------

    @Override
    public void reduce(Reduce op, Buffer x, Buffer out, long outer, long axis, long inner) {
        DType t = Ops.reduce(this, op, x, out, outer, axis, inner);
        long outputs = outer * inner;
        if (outputs == 0) {
            return;
        }
        KernelArgs args = new KernelArgs().i32(CudaEncoding.code(op)).ptr(addr(x, 0)).ptr(addr(out, 0)).i64(outer).i64(axis)
                .i64(inner);
        if (inner == 1 && axis >= 32 && outputs <= Integer.MAX_VALUE) {
            dev.launch("reduce", "reduce_rows_" + CudaEncoding.sfx(t), Dim3.of((int) outputs), Dim3.of(CudaEncoding.rowBlock((int)
                    Math.min(axis, 256))), args);
        } else if (inner > 1 && outputs < 16384 && axis >= 64 && outer <= 65535) {
            reduceSplit(t, op, x, out, outer, axis, inner);
        } else {
            launch1d("reduce", "reduce_cols_" + CudaEncoding.sfx(t), outputs, args);
        }
    }

    /** Split-axis reduction: about 264 blocks (2 per H100 SM) of 32 columns x 8 axis lanes, then an ordered combine. */
    private void reduceSplit(DType t, Reduce op, Buffer x, Buffer out, long outer, long axis, long inner) {
        long gx = (inner + 31) / 32;
        long maxSplits = (axis + 31) / 32;
        long splits = Math.max(1, Math.min(maxSplits, (264 + gx * outer - 1) / (gx * outer)));
        splits = Math.min(splits, 65535);
        long chunk = (axis + splits - 1) / splits;
        splits = (axis + chunk - 1) / chunk;
        long outputs = outer * inner;
        long partial = scratch(splits * outputs * 8);
        dev.launch("reduce", "reduce_split_" + CudaEncoding.sfx(t), new Dim3((int) gx, (int) splits, (int) outer),
                Dim3.of(THREADS), new KernelArgs().i32(CudaEncoding.code(op)).ptr(addr(x, 0)).ptr(partial).i64(outer).i64(axis)
                        .i64(inner).i64(chunk));
        launch1d("reduce", "reduce_combine_" + CudaEncoding.sfx(t), outputs,
                new KernelArgs().i32(CudaEncoding.code(op)).ptr(partial).ptr(addr(out, 0)).i64(outputs).i64(splits));
    }

    // ---- rows: softmax, layer norm -------------------------------------------------------------------------

    @Override
    public void softmax(Buffer x, Buffer out, int rows, int cols, boolean log) {
        DType t = Ops.rows("softmax", this, rows, cols, "x, out", x, out);
        if (rows > 0 && cols > 0) {
            dev.launch("softmax", "softmax_" + CudaEncoding.sfx(t), Dim3.of(rows), Dim3.of(CudaEncoding.rowBlock(cols)),
                    new KernelArgs().ptr(addr(x, 0)).ptr(addr(out, 0)).i32(rows).i32(cols).i32(log ? 1 : 0));
        }
    }

    @Override
    public void layerNorm(Buffer x, Buffer out, Buffer mean, Buffer rstd, int rows, int cols, double eps) {
        DType t = Ops.layerNorm("layerNorm", this, rows, cols, x, out, mean, rstd, eps);
        if (rows > 0 && cols > 0) {
            dev.launch("layernorm", "layernorm_" + CudaEncoding.sfx(t), Dim3.of(rows), Dim3.of(CudaEncoding.rowBlock(cols)),
                    new KernelArgs().ptr(addr(x, 0)).ptr(addr(out, 0)).ptr(addr(mean, 0)).ptr(addr(rstd, 0))
                            .i32(rows).i32(cols).f64(eps));
        }
    }

    @Override
    public void layerNormBackward(Buffer dy, Buffer x, Buffer mean, Buffer rstd, Buffer dx, int rows, int cols) {
        DType t = Ops.layerNormBackward(this, dy, x, mean, rstd, dx, rows, cols);
        if (rows > 0 && cols > 0) {
            dev.launch("layernorm", "layernorm_backward_" + CudaEncoding.sfx(t), Dim3.of(rows), Dim3.of(CudaEncoding.rowBlock(cols)),
                    new KernelArgs().ptr(addr(dy, 0)).ptr(addr(x, 0)).ptr(addr(mean, 0)).ptr(addr(rstd, 0))
                            .ptr(addr(dx, 0)).i32(rows).i32(cols));
        }
    }

    // ---- indexing ------------------------------------------------------------------------------------------

    /** Downloads the I32 indices and checks them against [0, bound); returns them (empty when n = 0). */
    private int[] hostIndices(String op, Buffer idx, int n, int bound) {
        if (n == 0) {
            return new int[0];
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(ValueLayout.JAVA_INT, n);
            dev.copyToHost(addr(idx, 0), host, 4L * n);
            Checks.indices(op, host, n, bound);
            return host.toArray(ValueLayout.JAVA_INT);
        }
    }

    @Override
    public void gatherRows(Buffer table, int tableRows, int cols, Buffer idx, int n, Buffer out) {
        DType t = Ops.gather(this, table, tableRows, cols, idx, n, out);
        hostIndices("gatherRows", idx, n, tableRows);
        long total = (long) n * cols;
        if (total > 0) {
            launch1d("indexing", "gather_rows_" + CudaEncoding.sfx(t), total, new KernelArgs().ptr(addr(table, 0)).i32(tableRows)
                    .i32(cols).ptr(addr(idx, 0)).i32(n).ptr(addr(out, 0)));
        }
    }

    @Override
    public void scatterAddRows(Buffer src, Buffer idx, int n, int cols, Buffer table, int tableRows) {
        DType t = Ops.scatter(this, src, idx, n, cols, table, tableRows);
        int[] host = hostIndices("scatterAddRows", idx, n, tableRows);
        long total = (long) n * cols;
        if (total == 0) {
            return;
        }
        if (atomicScatter) {
            launch1d("indexing", "scatter_add_rows_atomic_" + CudaEncoding.sfx(t), total, new KernelArgs().ptr(addr(src, 0))
                    .ptr(addr(idx, 0)).i32(n).i32(cols).ptr(addr(table, 0)).i32(tableRows));
            return;
        }
        int[] packed = CudaEncoding.buckets(host, tableRows);
        int touched = (packed.length - n - 1) / 2;
        long b = scratch(4L * packed.length);
        dev.copyToDevice(MemorySegment.ofArray(packed), b, 4L * packed.length);
        launch1d("indexing", "scatter_add_rows_" + CudaEncoding.sfx(t), (long) touched * cols, new KernelArgs()
                .ptr(addr(src, 0)).ptr(b).i32(n).i32(touched).i32(cols).ptr(addr(table, 0)));
    }

    // ---- random numbers ------------------------------------------------------------------------------------

    @Override
    public void uniform(Buffer out, long n, long seed, long offset, double lo, double hi) {
        DType t = Ops.dense("uniform", this, n, "out", out);
        if (n > 0) {
            launch1d("rng", "uniform_" + CudaEncoding.sfx(t), n,
                    new KernelArgs().ptr(addr(out, 0)).i64(n).i64(seed).i64(offset).f64(lo).f64(hi));
        }
    }

    @Override
    public void normal(Buffer out, long n, long seed, long offset, double mean, double std) {
        DType t = Ops.dense("normal", this, n, "out", out);
        if (n > 0) {
            launch1d("rng", "normal_" + CudaEncoding.sfx(t), n,
                    new KernelArgs().ptr(addr(out, 0)).i64(n).i64(seed).i64(offset).f64(mean).f64(std));
        }
    }

    // ---- LAPACK --------------------------------------------------------------------------------------------

    /** Runs on the host backend: the matrix is downloaded, decomposed there, and the results uploaded. */
    @Override
    public void symmetricEigen(Buffer a, Buffer w, int n, boolean vectors) {
        DType t = Ops.eigen(this, a, w, n);
        if (n == 0) {
            return;
        }
        long nn = (long) n * n;
        if (host == null) {
            host = hostFactory.get();
        }
        try (Arena arena = Arena.ofConfined(); Buffer ha = host.alloc(t, nn); Buffer hw = host.alloc(t, n)) {
            MemorySegment sa = arena.allocate(nn * t.bytes(), 8);
            MemorySegment sw = arena.allocate((long) n * t.bytes(), 8);
            download(a, 0, sa, nn);
            host.upload(sa, ha, 0, nn);
            host.symmetricEigen(ha, hw, n, vectors);
            host.download(ha, 0, sa, nn);
            host.download(hw, 0, sw, n);
            upload(sa, a, 0, nn);
            upload(sw, w, 0, n);
        }
    }

    @Override
    public void synchronize() {
        dev.synchronize();
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
        dev.free(scratch);
        dev.close();
        if (host != null) {
            host.close();
        }
    }
}
