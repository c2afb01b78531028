package carnot.cli;

import carnot.models.data.Examples;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The shared model, data and loss flags as a picocli mixin: a command declares
 * {@code @Mixin ModelOptions model;} and calls {@link #config()} once for the validated {@link ModelConfig}, then
 * {@link Problems#build(ModelConfig)} for the model, data set and loss.
 */
public final class ModelOptions {
    @Option(names = "--model", defaultValue = "mlp", paramLabel = "mlp|linear|transformer",
            description = "Architecture (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--widths", split = ",", paramLabel = "D0,D1,..",
            description = "Layer widths for mlp/linear, input first, e.g. 784,512,10.")
    List<Integer> widths = List.of();

    @Option(names = "--act", defaultValue = "tanh", paramLabel = "tanh|relu|gelu|linear|sigmoid|softplus",
            description = "Hidden activation for mlp (default ${DEFAULT-VALUE}).")
    String act;

    @Option(names = "--bias", arity = "1", paramLabel = "true|false",
            description = "Biases in mlp layers (default true for mlp, false for linear).")
    Boolean bias;

    @Option(names = "--vocab", defaultValue = "0", description = "Transformer vocabulary size.")
    int vocab;

    @Option(names = "--ctx", defaultValue = "0", description = "Transformer context length.")
    int ctx;

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

    @Option(names = "--seed", defaultValue = "0", description = "Seed for initialization and generated data (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "auto|cpu|cuda|ref|cuda-emu",
            description = "Compute backend (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--weights", paramLabel = "W.npz", description = "Weights npz named like the parameters (else initialized from --seed).")
    Path weights;

    @Option(names = "--data", paramLabel = "D.npz", description = "Data npz with arrays x and y (float targets for mse, integer ids for ce; token ids for the transformer).")
    Path data;

    @Option(names = "--dataset", paramLabel = "NAME", description = "A built-in data set instead of --data (see 'carnot data list').")
    String dataset;

    @Option(names = "--samples", defaultValue = "0", description = "Examples to use (0 = the --dataset default, or all of --data).")
    int samples;

    @Option(names = "--subset", defaultValue = "first", paramLabel = "first|seeded|balanced",
            description = "How --samples examples are chosen: first N, seeded random, or class-balanced (default ${DEFAULT-VALUE}).")
    String subset;

    @Option(names = "--standardize", description = "Standardize input features to mean 0, variance 1 (mlp/linear).")
    boolean standardize;

    @Option(names = "--loss", paramLabel = "mse|ce", description = "Loss (default mse for mlp/linear, ce for transformer).")
    String loss;

    @Option(names = "--chunk", defaultValue = "0", description = "Examples per chunk, memory only; results do not depend on it (0 = all).")
    int chunk;

    /** Parses and validates the flags into a {@link ModelConfig}; errors name the flag and the value given. */
    public ModelConfig config() {
        ModelConfig.Arch arch = ModelConfig.Arch.parse(model);
        boolean b = bias != null ? bias : arch == ModelConfig.Arch.MLP;
        String a = arch == ModelConfig.Arch.LINEAR ? "linear" : act.toLowerCase();
        String l = loss != null ? loss.toLowerCase() : (arch == ModelConfig.Arch.TRANSFORMER ? "ce" : "mse");
        int[] w = widths.stream().mapToInt(Integer::intValue).toArray();
        return new ModelConfig(arch, w, a, b, vocab, ctx, dModel, heads, layers, mlpRatio, dtype.toLowerCase(), seed,
                backend.toLowerCase(), weights, data, dataset, samples, Examples.Subset.parse(subset), standardize, l, chunk);
    }
}
