package carnot.kernels.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.Properties;

/**
 * Start-up probes for the CUDA backend, cheap and side-effect free: whether the kernels were built (PTX/cubin
 * resources present), whether the NVIDIA driver library {@code libcuda.so.1} can be loaded (probed with FFM
 * before JCuda is touched, since JCuda's first use without a driver fails with an UnsatisfiedLinkError), and
 * whether the driver reports a device.
 */
public final class CudaSupport {
    /** Class-path folder of the PTX and cubin resources. */
    public static final String RESOURCES = "/carnot/kernels/cuda/";
    private static final String DRIVER = "libcuda.so.1";

    private CudaSupport() {
    }

    /** The build-info.properties written by the kernels build (nvcc version, PTX ISA, cubins), empty if absent. */
    public static Properties buildInfo() {
        Properties p = new Properties();
        try (InputStream in = CudaSupport.class.getResourceAsStream(RESOURCES + "build-info.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCES + "build-info.properties", e);
        }
        return p;
    }

    /** Null when the PTX kernels are on the class path, else "not built: ..." with the reason. */
    public static String kernelsMissingReason() {
        if (CudaSupport.class.getResource(RESOURCES + "ptx/gemm.ptx") != null) {
            return null;
        }
        String nvcc = buildInfo().getProperty("nvcc");
        return "CUDA kernels not built (" + (nvcc == null ? "the kernels build step did not run"
                : "nvcc " + nvcc + " when Carnot was built") + "; install the CUDA toolkit and rebuild)";
    }

    /** Null when {@code libcuda.so.1} loads, else why not. */
    public static String driverMissingReason() {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(DRIVER, arena);
            return null;
        } catch (IllegalArgumentException e) {
            return "no NVIDIA driver (" + DRIVER + " cannot be loaded)";
        }
    }

    /**
     * Null when a GPU can be used (kernels built, driver present, at least one device), else a one-line reason.
     */
    public static String unavailableReason() {
        String why = kernelsMissingReason();
        if (why != null) {
            return why;
        }
        why = driverMissingReason();
        if (why != null) {
            return why;
        }
        try {
            int n = JCudaLauncher.deviceCount();
            return n > 0 ? null : "the NVIDIA driver reports no CUDA device";
        } catch (CudaException | LinkageError e) {
            return "the CUDA driver failed to initialise: " + e.getMessage();
        }
    }
}
