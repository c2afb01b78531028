package carnot.bench.kernels;

import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;

/** Backend factory for the kernel benchmarks: "ref" (scalar oracle), "cpu1"/"cpu2" (CpuBackend with 1/2 threads). */
final class KernelState {
    private KernelState() {
    }

    static Backend backend(String impl) {
        return switch (impl) {
            case "ref" -> new RefBackend();
            case "cpu1" -> new CpuBackend(1);
            case "cpu2" -> new CpuBackend(2);
            default -> throw new IllegalArgumentException("impl must be ref, cpu1 or cpu2; given '" + impl + "'");
        };
    }

    static DType dtype(String s) {
        return DType.parse(s);
    }
}
