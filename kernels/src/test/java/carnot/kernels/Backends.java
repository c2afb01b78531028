package carnot.kernels;

import java.util.List;
import java.util.function.Supplier;

/**
 * The backends every conformance test runs on. To add a backend to the whole harness, add one line here
 * (a name and a factory); tests create a fresh instance per test and close it afterwards.
 */
public final class Backends {
    private Backends() {
    }

    /** A named backend factory. */
    public record Entry(String name, Supplier<Backend> factory) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * Every backend, the reference included: for the tests a backend must pass on its own (validation, run-to-run
     * determinism). The system property {@code carnot.test.backends} (comma-separated names, e.g.
     * {@code ref,cpu-2}) narrows it for local runs; it may also name {@code cuda}, the CUDA backend on GPU 0, which
     * is never in the default list (CI has no GPU; bench/gpu-check.sh runs the harness on it).
     */
    public static List<Entry> forTests() {
        String only = System.getProperty("carnot.test.backends", "");
        if (only.isBlank()) {
            return all();
        }
        List<String> names = List.of(only.split(","));
        List<Entry> chosen = new java.util.ArrayList<>(all().stream().filter(e -> names.contains(e.name())).toList());
        if (names.contains(GPU)) {
            chosen.add(new Entry(GPU, () -> carnot.kernels.cuda.CudaBackend.gpu(0)));
        }
        return chosen;
    }

    /**
     * The backends the conformance harness compares against the {@link RefBackend} oracle: {@link #forTests()}
     * without the oracle itself (the oracle is checked against hand-computed values in {@code RefBackendTest}).
     */
    public static List<Entry> againstReference() {
        return forTests().stream().filter(e -> !e.name().equals(REF)).toList();
    }

    /** Name of the entry for the CUDA backend on GPU 0 (only when {@code carnot.test.backends} names it). */
    public static final String GPU = "cuda";

    /** Name of the oracle entry. */
    public static final String REF = "ref";

    private static List<Entry> all() {
        return List.of(
                new Entry(REF, RefBackend::new),
                new Entry("cpu-1", () -> new CpuBackend(1)),
                new Entry("cpu-2", () -> new CpuBackend(2)),
                new Entry("cuda-emu", carnot.kernels.cuda.CudaBackend::emulated)
        );
    }
}
