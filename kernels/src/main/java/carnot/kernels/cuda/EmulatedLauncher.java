package carnot.kernels.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Runs the CUDA kernels on the host: the same {@code .cu} sources compiled by g++ against the emulation shim
 * ({@code src/main/cuda/emu}) into {@code libcarnot_cuda_emu.so}, one exported entry {@code emu_<kernel>} per
 * kernel, called through FFM downcalls. "Device" memory is 256-byte aligned host memory allocated by the library
 * ({@code carnot_emu_alloc}, so a sanitizer build sees every buffer's bounds), but
 * {@link CudaBackend} only touches it through this launcher, exactly as on a GPU. Launches are synchronous;
 * blocks of a grid run on up to {@code threads} host threads, the threads of a block as fibers with real
 * barrier and warp-shuffle semantics.
 */
public final class EmulatedLauncher implements KernelLauncher {
    /** Class-path location of the emulation library (put there by the kernels build when g++ exists). */
    public static final String RESOURCE = "/carnot/kernels/cuda/emu/libcarnot_cuda_emu.so";
    /**
     * System property naming another build of the emulation library to load instead of the class-path one, e.g. an
     * AddressSanitizer build (see kernels/CUDA.md).
     */
    public static final String LIBRARY_PROPERTY = "carnot.cuda.emu.library";
    private static final FunctionDescriptor ENTRY = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT);
    private static final int ERR_LEN = 1024;

    private final Path path;
    private final SymbolLookup lib;
    private final int threads;
    private final MethodHandle allocFn;
    private final MethodHandle freeFn;
    private final Map<String, MethodHandle> entries = new ConcurrentHashMap<>();
    private final int capability;

    /**
     * The compute capability the emulation reports by default: 9.0, since it implements everything the kernels use
     * on sm_80/sm_90/sm_90a (cp.async pipeline primitives, the wmma TF32, BF16 and f64 shapes, the wgmma TF32 and BF16
     * shapes with shared-memory matrix descriptors): the TF32/BF16 GEMMs run the sm_90a wgmma kernels, as on an H100.
     */
    public static final int EMULATED_CAPABILITY = 90;

    /**
     * Loads the emulation library; {@code threads} host threads run blocks in parallel (0 = all hardware
     * threads). The setting is library-wide: the most recently constructed launcher's count applies to all.
     * Throws {@link CudaException} saying how to build it when the library is missing.
     */
    public EmulatedLauncher(int threads) {
        this(threads, EMULATED_CAPABILITY);
    }

    /**
     * As {@link #EmulatedLauncher(int)}, reporting compute capability {@code computeCapability} (major * 10 + minor,
     * at least 75) to the backend, e.g. 75 to run the kernels a pre-Ampere GPU would (no tensor cores), 80 those of an
     * A100 (wmma TF32/BF16 GEMMs instead of the sm_90a wgmma ones).
     */
    public EmulatedLauncher(int threads, int computeCapability) {
        if (computeCapability < 75) {
            throw new IllegalArgumentException("emulated compute capability must be >= 75 (the oldest build target);"
                    + " given " + computeCapability);
        }
        this.capability = computeCapability;
        if (threads < 0) {
            throw new IllegalArgumentException("emulator threads must be >= 0 (0 = hardware threads); given " + threads);
        }
        this.path = libraryPath();
        this.lib = SymbolLookup.libraryLookup(path, Arena.global());
        Linker linker = Linker.nativeLinker();
        this.allocFn = linker.downcallHandle(lib.findOrThrow("carnot_emu_alloc"),
                FunctionDescriptor.of(ADDRESS, JAVA_LONG));
        this.freeFn = linker.downcallHandle(lib.findOrThrow("carnot_emu_free"), FunctionDescriptor.ofVoid(ADDRESS));
        MethodHandle setThreads = linker.downcallHandle(lib.findOrThrow("carnot_emu_set_threads"),
                FunctionDescriptor.ofVoid(JAVA_INT));
        try {
            setThreads.invokeExact(threads);
        } catch (Throwable t) {
            throw new CudaException("host emulation: setting " + threads + " threads failed", t);
        }
        this.threads = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }

    /** Null when the emulation library is on the class path, else why it is not (for messages). */
    public static String unavailableReason() {
        return EmulatedLauncher.class.getResource(RESOURCE) == null
                ? "the CUDA host emulation library was not built (the kernels build needs bash and g++; "
                + "resource " + RESOURCE + " is missing)"
                : null;
    }

    private static Path libraryPath() {
        String override = System.getProperty(LIBRARY_PROPERTY);
        if (override != null) {
            Path p = Path.of(override);
            if (!Files.isRegularFile(p)) {
                throw new CudaException("cuda-emu: -D" + LIBRARY_PROPERTY + " must name the emulation library; given "
                        + override + " (no such file)");
            }
            return p;
        }
        URL url = EmulatedLauncher.class.getResource(RESOURCE);
        if (url == null) {
            throw new CudaException("cuda-emu: " + unavailableReason()
                    + "; rebuild with: mvn -pl kernels generate-resources (with g++ installed)");
        }
        try {
            if ("file".equals(url.getProtocol())) {
                return Path.of(url.toURI());
            }
            Path tmp = Files.createTempFile("libcarnot_cuda_emu", ".so");
            tmp.toFile().deleteOnExit();
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException("cuda-emu: cannot extract " + url + " to a temporary file", e);
        } catch (URISyntaxException e) {
            throw new CudaException("cuda-emu: bad library location " + url, e);
        }
    }

    @Override
    public String description() {
        return "host emulation of the CUDA launch model (" + threads + " block threads, compute capability "
                + capability / 10 + "." + capability % 10 + ", " + path + ")";
    }

    @Override
    public int computeCapability() {
        return capability;
    }

    @Override
    public long malloc(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("malloc: bytes must be >= 1; given " + bytes);
        }
        MemorySegment p;
        try {
            p = (MemorySegment) allocFn.invokeExact(bytes);
        } catch (Throwable t) {
            throw new CudaException("cuda-emu: allocation of " + bytes + " bytes failed", t);
        }
        if (p.address() == 0) {
            throw new CudaException("cuda-emu: out of memory allocating " + bytes
                    + " bytes; free buffers or use smaller shapes");
        }
        return p.address();
    }

    @Override
    public void free(long address) {
        try {
            freeFn.invokeExact(MemorySegment.ofAddress(address));
        } catch (Throwable t) {
            throw new CudaException("cuda-emu: free of 0x" + Long.toHexString(address) + " failed", t);
        }
    }

    private static MemorySegment at(long address, long bytes) {
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    @Override
    public void memsetZero(long address, long bytes) {
        at(address, bytes).fill((byte) 0);
    }

    @Override
    public void copyToDevice(MemorySegment src, long dstAddress, long bytes) {
        MemorySegment.copy(src, 0, at(dstAddress, bytes), 0, bytes);
    }

    @Override
    public void copyToHost(long srcAddress, MemorySegment dst, long bytes) {
        MemorySegment.copy(at(srcAddress, bytes), 0, dst, 0, bytes);
    }

    @Override
    public void copyOnDevice(long srcAddress, long dstAddress, long bytes) {
        MemorySegment.copy(at(srcAddress, bytes), 0, at(dstAddress, bytes), 0, bytes);
    }

    private MethodHandle entry(String module, String kernel) {
        return entries.computeIfAbsent(kernel, k -> lib.find("emu_" + k)
                .map(s -> Linker.nativeLinker().downcallHandle(s, ENTRY))
                .orElseThrow(() -> new CudaException("cuda-emu: kernel " + k + " (module " + module
                        + ") is not in " + path + "; rebuild the kernels module")));
    }

    @Override
    public void launch(String module, String kernel, Dim3 grid, Dim3 block, KernelArgs args) {
        MethodHandle h = entry(module, kernel);
        List<KernelArgs.Arg> list = args.list();
        int rc;
        String err;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dims = a.allocateFrom(JAVA_INT, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z());
            MemorySegment argv = a.allocate(ADDRESS, Math.max(1, list.size()));
            for (int i = 0; i < list.size(); i++) {
                KernelArgs.Arg arg = list.get(i);
                MemorySegment v = switch (arg.kind()) {
                    case PTR, I64 -> a.allocateFrom(JAVA_LONG, (Long) arg.value());
                    case I32 -> a.allocateFrom(JAVA_INT, (Integer) arg.value());
                    case F32 -> a.allocateFrom(JAVA_FLOAT, (Float) arg.value());
                    case F64 -> a.allocateFrom(JAVA_DOUBLE, (Double) arg.value());
                    case WORDS -> a.allocateFrom(JAVA_LONG, (long[]) arg.value());
                };
                argv.setAtIndex(ADDRESS, i, v);
            }
            MemorySegment errBuf = a.allocate(ERR_LEN);
            try {
                rc = (int) h.invokeExact(dims, argv, errBuf, ERR_LEN);
            } catch (Throwable t) {
                throw new CudaException("cuda-emu: kernel " + kernel + " grid " + grid + " block " + block
                        + " could not be called", t);
            }
            err = rc == 0 ? "" : errBuf.getString(0);
        }
        if (rc != 0) {
            throw new CudaException("cuda-emu: kernel " + kernel + " grid " + grid + " block " + block
                    + " failed: " + err);
        }
    }

    @Override
    public void synchronize() {
    }

    @Override
    public void close() {
    }
}
