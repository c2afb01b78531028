package carnot.kernels.cuda;

import carnot.kernels.gemm.GemmPrecision;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.function.Predicate;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cuBLAS GEMM called directly through FFM (no Java binding needed), an opt-in comparison baseline for the
 * hand-written GEMM: used by {@link JCudaLauncher} only with {@code -Dcarnot.cuda.cublas=true}, then found by
 * version, newest first ({@link #LIBRARIES}: the kernels are built by CUDA 13, so {@code libcublas.so.13}, then
 * {@code .so.12}). Only {@code libcublas} is used (no cublasLt). Row-major {@code C = op(A) op(B)} is computed as
 * the column-major {@code C^T = op(B)^T op(A)^T}, i.e. {@code cublas?gemmStridedBatched(opB, opA, n, m, k, B, A, C)}.
 * In {@link GemmPrecision#EXACT} the default math mode keeps full FP32 (no TF32); for the tensor-core modes f32
 * products go to {@code cublasGemmStridedBatchedEx} with compute type {@code CUBLAS_COMPUTE_32F_FAST_TF32} (77) or
 * {@code CUBLAS_COMPUTE_32F_FAST_16BF} (75; cuBLAS may also pick TF32 there), f32 operands and results, the
 * baseline of the hand-written TF32/BF16 kernels. f64 is always {@code cublasDgemmStridedBatched}. Results are
 * deterministic for a given GPU and cuBLAS version.
 */
final class Cublas implements VendorGemm {
    /** The system property that opts in to cuBLAS ({@code true}); anything else keeps the hand-written GEMM. */
    static final String PROPERTY = "carnot.cuda.cublas";
    /** The sonames probed, in order: newest major version first. */
    static final List<String> LIBRARIES = List.of("libcublas.so.13", "libcublas.so.12");
    private static final FunctionDescriptor STRIDED = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
            JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS,
            ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT);
    private static final FunctionDescriptor STRIDED_EX = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
            JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT,
            JAVA_LONG, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT);
    /** cudaDataType CUDA_R_32F, cublasComputeType_t values, CUBLAS_GEMM_DEFAULT (cublas_api.h, library_types.h). */
    private static final int CUDA_R_32F = 0;
    private static final int COMPUTE_32F_FAST_16BF = 75;
    private static final int COMPUTE_32F_FAST_TF32 = 77;
    private static final int GEMM_DEFAULT = -1;

    private final MemorySegment handle;
    private final GemmPrecision precision;
    private final MethodHandle sgemmEx;
    private final MethodHandle sgemm;
    private final MethodHandle dgemm;
    private final MethodHandle destroy;

    private final String library;

    /**
     * Which cuBLAS to use: {@code library} (a soname that loads) or null with {@code reason} saying why none is used.
     */
    record Choice(String library, String reason) {
    }

    /**
     * The lookup, testable without a GPU: off unless {@code property} is {@code "true"} (no probing then); else the
     * first of {@code names} that {@code loads} accepts, or none with a reason naming every soname tried.
     */
    static Choice choose(String property, List<String> names, Predicate<String> loads) {
        if (!"true".equals(property)) {
            return new Choice(null, "cuBLAS baseline off (opt in with -D" + PROPERTY + "=true; given "
                    + (property == null ? "unset" : "'" + property + "'") + ")");
        }
        for (String name : names) {
            if (loads.test(name)) {
                return new Choice(name, null);
            }
        }
        return new Choice(null, "-D" + PROPERTY + "=true requires one of " + String.join(", ", names)
                + " to load; none can be loaded");
    }

    /** The choice for this process: the system property, {@link #LIBRARIES}, probed with FFM. */
    static Choice choose() {
        return choose(System.getProperty(PROPERTY), LIBRARIES, Cublas::loadable);
    }

    /** Whether the shared library {@code name} can be loaded (FFM, released again). */
    static boolean loadable(String name) {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(name, arena);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private Cublas(String library, MemorySegment handle, MethodHandle sgemm, MethodHandle dgemm, MethodHandle destroy,
                   GemmPrecision precision, MethodHandle sgemmEx) {
        this.library = library;
        this.precision = precision;
        this.sgemmEx = sgemmEx;
        this.handle = handle;
        this.sgemm = sgemm;
        this.dgemm = dgemm;
        this.destroy = destroy;
    }

    /**
     * A cuBLAS handle from {@code library} (a soname {@link #choose} returned) bound to {@code stream} (a raw
     * CUstream) in the current context.
     */
    static Cublas open(String library, long stream) {
        return open(library, stream, GemmPrecision.EXACT);
    }

    /** As {@link #open(String, long)}, with f32 products in {@code precision} (see the class comment). */
    static Cublas open(String library, long stream, GemmPrecision precision) {
        Linker linker = Linker.nativeLinker();
        SymbolLookup lib = SymbolLookup.libraryLookup(library, Arena.global());
        MethodHandle create = linker.downcallHandle(lib.findOrThrow("cublasCreate_v2"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        MethodHandle setStream = linker.downcallHandle(lib.findOrThrow("cublasSetStream_v2"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        MethodHandle destroy = linker.downcallHandle(lib.findOrThrow("cublasDestroy_v2"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        MethodHandle s = linker.downcallHandle(lib.findOrThrow("cublasSgemmStridedBatched"), STRIDED);
        MethodHandle d = linker.downcallHandle(lib.findOrThrow("cublasDgemmStridedBatched"), STRIDED);
        MethodHandle ex = precision == GemmPrecision.EXACT ? null
                : linker.downcallHandle(lib.findOrThrow("cublasGemmStridedBatchedEx"), STRIDED_EX);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) create.invokeExact(out), "cublasCreate");
            MemorySegment h = out.get(ADDRESS, 0);
            check((int) setStream.invokeExact(h, MemorySegment.ofAddress(stream)), "cublasSetStream");
            return new Cublas(library, h, s, d, destroy, precision, ex);
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new CudaException("cuBLAS: initialisation of " + library + " failed", t);
        }
    }

    private static void check(int status, String what) {
        if (status != 0) {
            throw new CudaException("cuBLAS: " + what + " failed with cublasStatus_t " + status
                    + " (see cublas_api.h); run with the hand-written kernels by leaving -D" + PROPERTY + " unset");
        }
    }

    @Override
    public String description() {
        return "cuBLAS (" + library + ", comparison baseline" + (precision == GemmPrecision.EXACT ? ""
                : ", f32 with CUBLAS_COMPUTE_32F_FAST_" + (precision == GemmPrecision.TF32 ? "TF32" : "16BF")) + ")";
    }

    @Override
    public void gemm(boolean f32, boolean transA, boolean transB, int m, int n, int k, double alpha, long a, int lda,
                     long strideA, long b, int ldb, long strideB, double beta, long c, int ldc, long strideC,
                     int batch) {
        int opA = transA ? 1 : 0;
        int opB = transB ? 1 : 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment al = f32 ? arena.allocateFrom(JAVA_FLOAT, (float) alpha) : arena.allocateFrom(JAVA_DOUBLE, alpha);
            MemorySegment be = f32 ? arena.allocateFrom(JAVA_FLOAT, (float) beta) : arena.allocateFrom(JAVA_DOUBLE, beta);
            if (f32 && sgemmEx != null) {
                int compute = precision == GemmPrecision.TF32 ? COMPUTE_32F_FAST_TF32 : COMPUTE_32F_FAST_16BF;
                int status = (int) sgemmEx.invokeExact(handle, opB, opA, n, m, k, al, MemorySegment.ofAddress(b),
                        CUDA_R_32F, ldb, strideB, MemorySegment.ofAddress(a), CUDA_R_32F, lda, strideA, be,
                        MemorySegment.ofAddress(c), CUDA_R_32F, ldc, strideC, batch, compute, GEMM_DEFAULT);
                check(status, "GemmStridedBatchedEx (" + precision + ") " + m + "x" + n + "x" + k + " batch " + batch);
                return;
            }
            MethodHandle h = f32 ? sgemm : dgemm;
            int status = (int) h.invokeExact(handle, opB, opA, n, m, k, al, MemorySegment.ofAddress(b), ldb, strideB,
                    MemorySegment.ofAddress(a), lda, strideA, be, MemorySegment.ofAddress(c), ldc, strideC, batch);
            check(status, (f32 ? "Sgemm" : "Dgemm") + "StridedBatched " + m + "x" + n + "x" + k + " batch " + batch);
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new CudaException("cuBLAS: gemm call failed", t);
        }
    }

    /** Destroys the handle. */
    void close() {
        int status;
        try {
            status = (int) destroy.invokeExact(handle);
        } catch (Throwable t) {
            throw new CudaException("cuBLAS: cublasDestroy failed", t);
        }
        check(status, "cublasDestroy");
    }
}
