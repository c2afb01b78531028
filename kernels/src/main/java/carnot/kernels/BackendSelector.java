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

    /** What a {@code --backend} flag chooses. */
    public enum Choice {
        AUTO("auto"), CPU("cpu"), CUDA("cuda"), REF("ref"), CUDA_EMU("cuda-emu");

        private final String flag;

        Choice(String flag) {
            this.flag = flag;
        }

        /** The name on the command line. */
        public String flag() {
            return flag;
        }

        /** Parses a name (case-insensitive); an unknown one throws naming the accepted names and what was given. */
        public static Choice parse(String name) {
            if (name != null) {
                for (Choice c : values()) {
                    if (c.flag.equalsIgnoreCase(name)) {
                        return c;
                    }
                }
            }
            throw new IllegalArgumentException("backend must be one of " + NAMES + "; given "
                    + (name == null ? "null" : "'" + name + "'"));
        }
    }

    /** Selects by name (case-insensitive): {@link #select(Choice)} of {@link Choice#parse}. */
    public static Selection select(String name) {
        return select(Choice.parse(name));
    }

    /** Selects; an unusable "cuda" throws with the reason. */
    public static Selection select(Choice choice) {
        return switch (choice) {
            case REF -> new Selection(new RefBackend(), null);
            case CPU -> new Selection(cpu(), null);
            case CUDA_EMU -> new Selection(CudaBackend.emulated(), null);
            case CUDA -> {
                String why = CudaSupport.unavailableReason();
                if (why != null) {
                    throw new IllegalArgumentException("backend 'cuda' is not usable here: " + why
                            + "; use --backend cpu or --backend auto");
                }
                yield new Selection(CudaBackend.gpu(0), null);
            }
            case AUTO -> {
                String why = CudaSupport.unavailableReason();
                yield why == null ? new Selection(CudaBackend.gpu(0), null)
                        : new Selection(cpu(), "using the CPU backend: " + why);
            }
        };
    }

    private static Backend cpu() {
        return new CpuBackend();
    }
}
