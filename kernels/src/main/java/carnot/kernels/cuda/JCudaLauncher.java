package carnot.kernels.cuda;

import carnot.kernels.gemm.GemmCuda;
import carnot.kernels.gemm.GemmPrecision;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;

/**
 * A real GPU through the CUDA driver API (JCuda): the device's primary context, one stream, and the kernel
 * modules ({@link #MODULES}) loaded from class-path resources — the sm_90 cubins on compute capability 9.x, sm_80
 * cubins on 8.x (binary compatible within a major version), else the compute_75 PTX, JIT-compiled by the driver
 * (needs a driver that knows the PTX ISA of the nvcc that built it, see kernels/CUDA.md); on 9.0 exactly also the
 * sm_90a cubins of {@link #SM90A_MODULES}. With {@code -Dcarnot.cuda.cublas=true}
 * (a comparison baseline, off by default) GEMMs go to cuBLAS on the same stream, {@code libcublas.so.13} or else
 * {@code .so.12} ({@link Cublas#choose}). Construct only after
 * {@link CudaSupport#unavailableReason()} returned null.
 */
public final class JCudaLauncher implements KernelLauncher {
    /** The kernel modules, one per .cu family file, loaded on every device (PTX for compute_75, sm_80/sm_90 cubins). */
    public static final List<String> MODULES =
            List.of("memory", "gemm", "gemm_tc", "elementwise", "reduce", "softmax", "layernorm", "indexing", "rng",
                    "attention");
    /**
     * The arch-specific modules, built only as sm_90a cubins (wgmma is not forward compatible) and loaded only on
     * devices of compute capability exactly 9.0 ({@code GemmCuda.WGMMA_CAPABILITY}).
     */
    public static final List<String> SM90A_MODULES = List.of("gemm_wgmma");
    private static final long CHUNK = 1L << 30;

    private final CUcontext ctx = new CUcontext();
    private final CUdevice device = new CUdevice();
    private final Stream stream = new Stream();
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final String description;
    private final Cublas cublas;
    private final String cublasReason;
    private String lastKernel = "(none)";
    private int capability;

    /** Device memory handle that exposes its address. */
    private static final class DevicePtr extends CUdeviceptr {
        long address() {
            return getNativePointer();
        }
    }

    /** Stream handle that exposes its address (for cuBLAS). */
    private static final class Stream extends CUstream {
        long address() {
            return getNativePointer();
        }
    }

    /** Number of CUDA devices the driver reports (initialises the driver). */
    public static int deviceCount() {
        JCudaDriver.setExceptionsEnabled(false);
        check(JCudaDriver.cuInit(0), "cuInit");
        int[] count = new int[1];
        check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
        return count[0];
    }

    /** Opens GPU {@code ordinal} and loads every kernel module; GEMMs go to cuBLAS as {@code -Dcarnot.cuda.cublas} says. */
    public JCudaLauncher(int ordinal) {
        this(ordinal, Cublas.choose());
    }

    /**
     * Opens GPU {@code ordinal} with the GEMM chosen here, whatever the system property: the cuBLAS baseline (found by
     * version as with the property set) when {@code cublasBaseline}, else the hand-written kernels. For side-by-side
     * timing of both in one process (bench {@code GpuCheck}).
     */
    public JCudaLauncher(int ordinal, boolean cublasBaseline) {
        this(ordinal, cublasBaseline, GemmPrecision.EXACT);
    }

    /**
     * As {@link #JCudaLauncher(int, boolean)}; the cuBLAS baseline computes f32 products in {@code cublasPrecision}
     * (TF32/BF16 tensor-core compute types for timing against the hand-written tensor-core kernels).
     */
    public JCudaLauncher(int ordinal, boolean cublasBaseline, GemmPrecision cublasPrecision) {
        this(ordinal, cublasBaseline ? Cublas.choose("true", Cublas.LIBRARIES, Cublas::loadable)
                : new Cublas.Choice(null, "hand-written kernels chosen by the caller"), cublasPrecision);
    }

    private JCudaLauncher(int ordinal, Cublas.Choice choice) {
        this(ordinal, choice, GemmPrecision.EXACT);
    }

    private JCudaLauncher(int ordinal, Cublas.Choice choice, GemmPrecision cublasPrecision) {
        int count = deviceCount();
        if (ordinal < 0 || ordinal >= count) {
            throw new CudaException("cuda: device ordinal must be in [0, " + count + "); given " + ordinal);
        }
        check(JCudaDriver.cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
        check(JCudaDriver.cuDevicePrimaryCtxRetain(ctx, device), "cuDevicePrimaryCtxRetain");
        try {
            bind();
            description = open();
            cublas = choice.library() != null ? Cublas.open(choice.library(), stream.address(), cublasPrecision) : null;
            cublasReason = choice.reason();
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }

    /** Creates the stream and loads the modules; returns the device description. */
    private String open() {
        int[] major = new int[1];
        int[] minor = new int[1];
        check(JCudaDriver.cuDeviceGetAttribute(major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device), "cc");
        check(JCudaDriver.cuDeviceGetAttribute(minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device), "cc");
        byte[] nameBytes = new byte[256];
        check(JCudaDriver.cuDeviceGetName(nameBytes, nameBytes.length, device), "cuDeviceGetName");
        String gpu = new String(nameBytes).trim().replace("\0", "");
        capability = 10 * major[0] + minor[0];
        String variant = major[0] == 9 ? "sm_90" : major[0] == 8 ? "sm_80" : "ptx";
        check(JCudaDriver.cuStreamCreate(stream, 0), "cuStreamCreate");
        for (String m : MODULES) {
            CUmodule mod = new CUmodule();
            String res = CudaSupport.RESOURCES + variant + "/" + m + (variant.equals("ptx") ? ".ptx" : ".cubin");
            byte[] image = resource(res, variant.equals("ptx"));
            check(JCudaDriver.cuModuleLoadData(mod, image), "loading module " + res + " on " + gpu + " (sm_"
                    + major[0] + minor[0] + "); an old driver cannot JIT newer PTX: update the driver");
            modules.put(m, mod);
        }
        boolean sm90a = capability == GemmCuda.WGMMA_CAPABILITY;
        if (sm90a) {
            for (String m : SM90A_MODULES) {
                CUmodule mod = new CUmodule();
                String res = CudaSupport.RESOURCES + "sm_90a/" + m + ".cubin";
                check(JCudaDriver.cuModuleLoadData(mod, resource(res, false)), "loading module " + res + " on " + gpu);
                modules.put(m, mod);
            }
        }
        return gpu + " (sm_" + major[0] + minor[0] + ", " + variant + (sm90a ? " + sm_90a" : "") + ")";
    }

    private static byte[] resource(String name, boolean nulTerminated) {
        try (InputStream in = JCudaLauncher.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new CudaException("cuda: kernel image " + name + " is not on the class path; rebuild with nvcc");
            }
            byte[] b = in.readAllBytes();
            if (!nulTerminated) {
                return b;
            }
            byte[] z = new byte[b.length + 1];
            System.arraycopy(b, 0, z, 0, b.length);
            return z;
        } catch (IOException e) {
            throw new UncheckedIOException("cuda: cannot read " + name, e);
        }
    }

    private static void check(int rc, String what) {
        if (rc != CUresult.CUDA_SUCCESS) {
            String[] msg = new String[1];
            JCudaDriver.cuGetErrorString(rc, msg);
            String hint = rc == CUresult.CUDA_ERROR_OUT_OF_MEMORY
                    ? "; free buffers or use smaller shapes/batches" : "";
            throw new CudaException("cuda: " + what + " failed: " + CUresult.stringFor(rc) + " (" + msg[0] + ")"
                    + hint);
        }
    }

    private void bind() {
        check(JCudaDriver.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
    }

    private static CUdeviceptr at(long address) {
        return new CUdeviceptr().withByteOffset(address);
    }

    @Override
    public int computeCapability() {
        return capability;
    }

    @Override
    public String description() {
        return description + ", GEMM: " + (cublas != null ? cublas.description()
                : "hand-written kernels (" + cublasReason + ")");
    }

    @Override
    public long malloc(long bytes) {
        bind();
        DevicePtr p = new DevicePtr();
        check(JCudaDriver.cuMemAlloc(p, bytes), "cuMemAlloc of " + bytes + " bytes");
        return p.address();
    }

    @Override
    public void free(long address) {
        bind();
        check(JCudaDriver.cuMemFree(at(address)), "cuMemFree(0x" + Long.toHexString(address) + ")");
    }

    @Override
    public void memsetZero(long address, long bytes) {
        bind();
        check(JCudaDriver.cuMemsetD8Async(at(address), (byte) 0, bytes, stream), "cuMemsetD8 of " + bytes + " bytes");
    }

    /** Runs {@code op} on native host memory holding the bytes of {@code seg} (a copy for heap segments). */
    private interface HostOp {
        void run(Pointer host, long offset, long len);
    }

    private static void chunked(MemorySegment seg, long bytes, boolean toHost, HostOp op) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nat = seg.isNative() ? seg : arena.allocate(bytes, 8);
            if (!seg.isNative() && !toHost) {
                MemorySegment.copy(seg, 0, nat, 0, bytes);
            }
            for (long off = 0; off < bytes; off += CHUNK) {
                long len = Math.min(CHUNK, bytes - off);
                op.run(Pointer.to(nat.asSlice(off, len).asByteBuffer()), off, len);
            }
            if (!seg.isNative() && toHost) {
                MemorySegment.copy(nat, 0, seg, 0, bytes);
            }
        }
    }

    @Override
    public void copyToDevice(MemorySegment src, long dstAddress, long bytes) {
        bind();
        chunked(src, bytes, false, (h, off, len) ->
                check(JCudaDriver.cuMemcpyHtoD(at(dstAddress + off), h, len), "cuMemcpyHtoD of " + len + " bytes"));
    }

    @Override
    public void copyToHost(long srcAddress, MemorySegment dst, long bytes) {
        bind();
        check(JCudaDriver.cuStreamSynchronize(stream), "kernel " + lastKernel + " (reported at copy to host)");
        chunked(dst, bytes, true, (h, off, len) ->
                check(JCudaDriver.cuMemcpyDtoH(h, at(srcAddress + off), len), "cuMemcpyDtoH of " + len + " bytes"));
    }

    @Override
    public void copyOnDevice(long srcAddress, long dstAddress, long bytes) {
        bind();
        check(JCudaDriver.cuMemcpyDtoDAsync(at(dstAddress), at(srcAddress), bytes, stream),
                "cuMemcpyDtoD of " + bytes + " bytes");
    }

    private CUfunction function(String module, String kernel) {
        return functions.computeIfAbsent(kernel, k -> {
            CUmodule mod = modules.get(module);
            if (mod == null) {
                throw new CudaException("cuda: no kernel module '" + module + "' (have " + modules.keySet() + ")");
            }
            CUfunction f = new CUfunction();
            check(JCudaDriver.cuModuleGetFunction(f, mod, k), "cuModuleGetFunction(" + module + ", " + k + ")");
            return f;
        });
    }

    @Override
    public void launch(String module, String kernel, Dim3 grid, Dim3 block, KernelArgs args) {
        bind();
        CUfunction f = function(module, kernel);
        List<KernelArgs.Arg> list = args.list();
        Pointer[] params = new Pointer[list.size()];
        for (int i = 0; i < params.length; i++) {
            KernelArgs.Arg a = list.get(i);
            params[i] = switch (a.kind()) {
                case PTR, I64 -> Pointer.to(new long[] {(Long) a.value()});
                case I32 -> Pointer.to(new int[] {(Integer) a.value()});
                case F32 -> Pointer.to(new float[] {(Float) a.value()});
                case F64 -> Pointer.to(new double[] {(Double) a.value()});
                case WORDS -> Pointer.to((long[]) a.value());
            };
        }
        check(JCudaDriver.cuLaunchKernel(f, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(), 0, stream,
                Pointer.to(params), null), "launch of kernel " + kernel + " grid " + grid + " block " + block);
        lastKernel = kernel + " grid " + grid + " block " + block;
    }

    /**
     * Milliseconds of GPU time between two CUDA events recorded on this launcher's stream before and after the
     * work queued by {@code work} (waits for the second event).
     */
    public float timeMillis(Runnable work) {
        bind();
        CUevent start = new CUevent();
        CUevent stop = new CUevent();
        check(JCudaDriver.cuEventCreate(start, 0), "cuEventCreate");
        check(JCudaDriver.cuEventCreate(stop, 0), "cuEventCreate");
        try {
            check(JCudaDriver.cuEventRecord(start, stream), "cuEventRecord");
            work.run();
            check(JCudaDriver.cuEventRecord(stop, stream), "cuEventRecord");
            check(JCudaDriver.cuEventSynchronize(stop), "kernel " + lastKernel + " (reported at event)");
            float[] ms = new float[1];
            check(JCudaDriver.cuEventElapsedTime(ms, start, stop), "cuEventElapsedTime");
            return ms[0];
        } finally {
            JCudaDriver.cuEventDestroy(start);
            JCudaDriver.cuEventDestroy(stop);
        }
    }

    /** cuBLAS when in use, with this launcher's context made current on the calling thread; else null. */
    @Override
    public VendorGemm vendorGemm() {
        if (cublas != null) {
            bind();
        }
        return cublas;
    }

    @Override
    public void synchronize() {
        bind();
        check(JCudaDriver.cuStreamSynchronize(stream), "kernel " + lastKernel + " (reported at synchronize)");
    }

    @Override
    public void close() {
        bind();
        JCudaDriver.cuStreamSynchronize(stream);
        if (cublas != null) {
            cublas.close();
        }
        release();
    }

    /** Unloads modules, destroys the stream and releases the primary context, ignoring errors (teardown). */
    private void release() {
        for (CUmodule m : modules.values()) {
            JCudaDriver.cuModuleUnload(m);
        }
        modules.clear();
        functions.clear();
        JCudaDriver.cuStreamDestroy(stream);
        JCudaDriver.cuDevicePrimaryCtxRelease(device);
    }
}
