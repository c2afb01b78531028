package carnot.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The flags of the network itself beyond its shape ({@link ShapeOptions}): activation and biases (mlp), the
 * transformer's width, heads, blocks and MLP ratio, the compute dtype and backend, and the weights file.
 */
public final class NetOptions {
    @Option(names = "--act", defaultValue = "tanh", paramLabel = "tanh|relu|gelu|linear|sigmoid|softplus",
            description = "Hidden activation for mlp (default ${DEFAULT-VALUE}; --model linear is linear).")
    String act;

    @Option(names = "--bias", arity = "1", paramLabel = "true|false",
            description = "Biases in mlp layers (default true for mlp, false for linear).")
    Boolean bias;

    @Option(names = "--d-model", defaultValue = "0", description = "Transformer width.")
    int dModel;

    @Option(names = "--heads", defaultValue = "1", description = "Transformer attention heads (default ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--layers", defaultValue = "1", description = "Transformer blocks (default ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--mlp-ratio", defaultValue = "4", description = "Transformer MLP width / d-model (default ${DEFAULT-VALUE}).")
    int mlpRatio;

    @Option(names = "--dtype", defaultValue = "f64", paramLabel = "f32|f64", description = "Compute dtype (default ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "auto|cpu|cuda|ref|cuda-emu",
            description = "Compute backend (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--weights", paramLabel = "W.npz", description = "Weights npz named like the parameters (else initialized from --seed).")
    Path weights;

    @Option(names = "--allow-nonfinite",
            description = "Accept NaN or infinite values in the input files (--weights, --data, --vector, --warm-start); refused by default.")
    boolean allowNonfinite;

    /** The backend {@code name} chooses (case-insensitive); otherwise a {@link FlagException} listing the names. */
    static carnot.kernels.BackendSelector.Choice backendChoice(String name) {
        try {
            return carnot.kernels.BackendSelector.Choice.parse(name);
        } catch (IllegalArgumentException e) {
            throw new FlagException("--backend must be auto, cpu, cuda, ref or cuda-emu; given '" + name + "'");
        }
    }
}
