package carnot.cli;

import carnot.models.data.Examples;
import carnot.models.data.RealData;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** The flags that choose the examples: a data file or a built-in set, how many, which, and standardization. */
public final class DataOptions {
    @Option(names = "--data", paramLabel = "D.npz", description = "Data npz with arrays x and y (float targets for mse, integer ids for ce; token ids for the transformer).")
    Path data;

    @Option(names = "--dataset", paramLabel = "NAME", description = "A built-in data set instead of --data (see 'carnot data list').")
    String dataset;

    @Option(names = "--samples", defaultValue = "0", description = "Examples to use (0 = the --dataset default, or all of --data).")
    int samples;

    @Option(names = "--subset", defaultValue = "first", paramLabel = "first|seeded|balanced",
            description = "How --samples examples of --data or of a fetched data set are chosen: first N, seeded random,"
                    + " or class-balanced (default ${DEFAULT-VALUE}; generated sets are random already).")
    String subset;

    @Option(names = "--standardize", description = "Standardize input features to mean 0, variance 1 (mlp/linear).")
    boolean standardize;

    /** The parsed --subset, refused where it would be ignored (a generated set, or --data without --samples). */
    Examples.Subset subset(CommandSpec spec) {
        Examples.Subset s = FlagException.parse("--subset", subset, "first, seeded or balanced",
                () -> Examples.Subset.parse(subset));
        if (FlagException.given(spec, "--subset")) {
            if (data != null && samples == 0) {
                FlagException.refuseGiven(spec, "without --samples N (all of --data is used)", "--subset");
            }
            if (dataset != null && !isFetched(dataset)) {
                FlagException.refuseGiven(spec, "to the generated data set '" + dataset + "' (it is random already)",
                        "--subset");
            }
        }
        return s;
    }

    private static boolean isFetched(String name) {
        String base = name.endsWith("-test") ? name.substring(0, name.length() - 5) : name;
        return RealData.SOURCES.stream().anyMatch(src -> src.name().equals(base));
    }
}
