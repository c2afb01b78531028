package carnot.kernels.gemm;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Map;

/**
 * Which OpenBLAS kernel family this process runs. Bytedeco's OpenBLAS is a {@code DYNAMIC_ARCH} build: at load
 * time it picks one family of kernels (Haswell, SkylakeX, Zen, Sandybridge, ...) from the CPU, or the one named by
 * the environment variable {@code OPENBLAS_CORETYPE}; the family fixes the blocking and the summation order inside
 * a GEMM. Bytedeco binds neither {@code openblas_get_corename} nor {@code openblas_get_config}, so both are called
 * through the FFM linker on the library the {@code cblas_?gemm} bindings link ({@code libopenblas_nolapack}) and on
 * the one LAPACK runs in ({@code libopenblas}).
 */
public final class BlasCore {
    private BlasCore() {
    }

    /** The report of one loaded library: its file name, kernel family and build configuration. */
    public record Library(String file, String coreName, String config) {
    }

    /** {@code openblas_get_corename} of the GEMM library (e.g. {@code Haswell}). */
    public static String coreName() {
        return gemmLibrary().coreName();
    }

    /** The library behind {@code cblas_sgemm}/{@code cblas_dgemm}. */
    public static Library gemmLibrary() {
        return library("libopenblas_nolapack.so");
    }

    /** The library behind the LAPACK eigensolver. */
    public static Library lapackLibrary() {
        return library("libopenblas.so");
    }

    private static Library library(String stem) {
        Loader.load(openblas.class);
        String path = null;
        for (Map.Entry<String, String> e : Loader.getLoadedLibraries().entrySet()) {
            String v = e.getValue();
            if (v != null && Path.of(v).getFileName().toString().startsWith(stem + ".")) {
                path = v;
            }
        }
        if (path == null) {
            throw new IllegalStateException("OpenBLAS library " + stem + ".* is not among the libraries Bytedeco loaded: "
                    + Loader.getLoadedLibraries().values());
        }
        SymbolLookup lib = SymbolLookup.libraryLookup(Path.of(path), Arena.global());
        return new Library(Path.of(path).getFileName().toString(), string(lib, "openblas_get_corename"),
                string(lib, "openblas_get_config"));
    }

    private static String string(SymbolLookup lib, String function) {
        MethodHandle h = Linker.nativeLinker().downcallHandle(lib.findOrThrow(function),
                FunctionDescriptor.of(ValueLayout.ADDRESS));
        try {
            MemorySegment s = (MemorySegment) h.invokeExact();
            return s.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw new IllegalStateException(function + " failed", t);
        }
    }
}
