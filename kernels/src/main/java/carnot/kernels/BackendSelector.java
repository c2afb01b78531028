package carnot.kernels;

import carnot.kernels.cuda.CudaBackend;
import carnot.kernels.cuda.CudaSupport;

import java.util.List;

/**
 * Chooses the compute backend for a {@code --backend} flag: "auto" (CUDA when a usable GPU exists, else the CPU
 * backend with a one-line reason), "cpu", "cuda" (fails with the reason when no GPU), "ref" (scalar oracle) or
 * "cuda-emu" (the CUDA backend on the host emulation, for tests and debugging).
 */
public final class BackendSelector {
    /** The accepted names. */
    public static final List<String> NAMES = List.of("auto", "cpu", "cuda", "ref", "cuda-emu");

    private BackendSelector() {
    }

    /**
     * A chosen backend; {@code reason} is a one-line explanation when "auto" fell back to the CPU, else null.
     */
    public record Selection(Backend backend, String reason) {
    }

    /** Selects by name (case-insensitive); unknown names and an unusable "cuda" throw naming what was given. */
    public static Selection select(String name) {
        if (name == null) {
            throw new IllegalArgumentException("backend must be one of " + NAMES + "; given null");
        }
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "ref" -> new Selection(new RefBackend(), null);
            case "cpu" -> new Selection(cpu(), null);
            case "cuda-emu" -> new Selection(CudaBackend.emulated(), null);
            case "cuda" -> {
                String why = CudaSupport.unavailableReason();
                if (why != null) {
                    throw new IllegalArgumentException("backend 'cuda' is not usable here: " + why
                            + "; use --backend cpu or --backend auto");
                }
                yield new Selection(CudaBackend.gpu(0), null);
            }
            case "auto" -> {
                String why = CudaSupport.unavailableReason();
                yield why == null ? new Selection(CudaBackend.gpu(0), null)
                        : new Selection(cpu(), "using the CPU backend: " + why);
            }
            default -> throw new IllegalArgumentException("backend must be one of " + NAMES + "; given '" + name + "'");
        };
    }

    private static Backend cpu() {
        return new CpuBackend();
    }
}
