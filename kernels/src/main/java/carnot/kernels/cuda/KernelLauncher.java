package carnot.kernels.cuda;

import java.lang.foreign.MemorySegment;

/**
 * The device under {@link CudaBackend}: memory, copies and kernel launches by name, in issue order (one stream).
 * Two implementations: {@link JCudaLauncher} (a real GPU through the CUDA driver API, modules loaded from the
 * PTX/cubin resources) and {@link EmulatedLauncher} (the same kernels compiled for the host, see
 * {@code src/main/cuda/emu}). Addresses are device addresses ({@code long}); sizes are bytes.
 * Failures throw {@link CudaException} naming the operation, its size or kernel/grid/block, and the driver message.
 */
public interface KernelLauncher extends AutoCloseable {

    /** What runs the kernels, e.g. "NVIDIA H100 (sm_90, cubin)" or "host emulation (2 threads)". */
    String description();

    /**
     * Compute capability of the device, major * 10 + minor (e.g. 80 for an A100, 90 for an H100): kernels that need
     * sm_80 features (tensor-core GEMMs) are only launched at 80 or above. The default, 75, is the oldest target
     * the kernels are built for.
     */
    default int computeCapability() {
        return 75;
    }

    /** Allocates {@code bytes} (>= 1) of device memory, 256-byte aligned; contents undefined. */
    long malloc(long bytes);

    /** Frees memory from {@link #malloc}. */
    void free(long address);

    /** Sets {@code bytes} bytes at {@code address} to zero (queued). */
    void memsetZero(long address, long bytes);

    /** Host to device, synchronous with respect to the host and ordered after queued work. */
    void copyToDevice(MemorySegment src, long dstAddress, long bytes);

    /** Device to host, waits for queued work first. */
    void copyToHost(long srcAddress, MemorySegment dst, long bytes);

    /** Device to device (queued); the ranges must not overlap. */
    void copyOnDevice(long srcAddress, long dstAddress, long bytes);

    /**
     * Queues kernel {@code kernel} of module {@code module} (the .cu file's base name) with the given grid, block
     * and parameters.
     */
    void launch(String module, String kernel, Dim3 grid, Dim3 block, KernelArgs args);

    /**
     * An optional vendor GEMM on this launcher's stream (cuBLAS), ready for the calling thread, or null to use the
     * hand-written kernels.
     */
    default VendorGemm vendorGemm() {
        return null;
    }

    /** Waits for all queued work; reports an asynchronous kernel failure. */
    void synchronize();

    @Override
    void close();
}
