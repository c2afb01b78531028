package carnot.cli;

import java.util.List;
import picocli.CommandLine.Option;

/**
 * The flags that fix what a model reads and writes — architecture, layer widths (mlp/linear), vocabulary and
 * context (transformer) — and the seed. Shared by every model command and by {@code data export}, which needs
 * the shape to generate a built-in data set.
 */
public final class ShapeOptions {
    @Option(names = "--model", defaultValue = "mlp", paramLabel = "mlp|linear|transformer",
            description = "Architecture (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--widths", split = ",", paramLabel = "D0,D1,..",
            description = "Layer widths for mlp/linear, input first, e.g. 784,512,10.")
    List<Integer> widths = List.of();

    @Option(names = "--vocab", defaultValue = "0", description = "Transformer vocabulary size.")
    int vocab;

    @Option(names = "--ctx", defaultValue = "0", description = "Transformer context length.")
    int ctx;

    @Option(names = "--seed", defaultValue = "0",
            description = "Seed for initialization, generated data and --subset seeded (default ${DEFAULT-VALUE}).")
    long seed;

    /** The architecture; a bad name is a {@link FlagException}. */
    ModelConfig.Arch arch() {
        return ModelConfig.Arch.parse(model);
    }

    int[] widthArray() {
        return widths.stream().mapToInt(Integer::intValue).toArray();
    }
}
