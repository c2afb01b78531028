package carnot.cli;

import carnot.engine.io.RunFolder;
import carnot.examples.experiments.Experiment;
import carnot.examples.experiments.ExperimentRun;
import carnot.examples.experiments.Experiments;
import carnot.examples.experiments.Overrides;
import carnot.examples.experiments.Preset;
import carnot.kernels.Backend;
import carnot.kernels.BackendSelector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code carnot experiment NAME --preset smoke|paper}: runs one packaged experiment, prints one verdict line per
 * law and writes {@code config.json}, {@code metrics.jsonl}/{@code .csv}, plots and {@code verdict.json} into
 * {@code --out}. Exit 0 when every law held, 4 when one failed (1 and 2 stay errors and bad flags).
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = {"Run a packaged experiment and check the law it tests (carnot experiment --list).",
            "Exit 0: every law held; 4: a law failed; 1: error; 2: bad flags."})
public final class ExperimentCommand implements Callable<Integer> {
    /** Exit code when the experiment ran and a law failed. */
    public static final int LAW_FAILED = 4;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Which experiment (see --list).")
    String name;

    @Option(names = "--list", description = "Print every experiment with what it tests, and exit.")
    boolean list;

    @Option(names = "--preset", defaultValue = "smoke", paramLabel = "smoke|paper",
            description = "Configuration: smoke (seconds) or paper (the written-up size). Default ${DEFAULT-VALUE}.")
    String preset;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one field of the preset (repeatable; the error lists the keys).")
    List<String> set;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default experiments/NAME-PRESET); must be empty.")
    Path out;

    @Option(names = "--overwrite", description = "Clear --out first if it holds files.")
    boolean overwrite;

    @Option(names = "--backend", defaultValue = "cpu", description = "Backend (default ${DEFAULT-VALUE}).")
    String backend;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        if (list) {
            if (name != null || set != null || out != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--list takes no experiment name, --set or --out");
            }
            for (Experiment<?> e : Experiments.ALL) {
                o.printf(Locale.ROOT, "%-14s %s%n", e.name(), e.tests());
            }
            o.flush();
            return 0;
        }
        if (name == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "missing experiment NAME (carnot experiment --list shows them)");
        }
        Experiment<?> exp = Experiments.named(name);
        Preset p;
        Overrides ov;
        try {
            p = Preset.parse(preset);
            ov = Overrides.parse(set);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Path dir = out != null ? out : Path.of("experiments", name + "-" + p.label());
        return run(exp, p, ov, dir, o) ? 0 : LAW_FAILED;
    }

    private <C extends Experiment.Config> boolean run(Experiment<C> exp, Preset p, Overrides ov, Path dir, PrintWriter o) {
        C config;
        try {
            config = exp.override(exp.preset(p), ov);
            ov.checkAllUsed(exp.name());
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        RunFolder.claim(dir, overwrite, "--out");
        Backend be = BackendSelector.select(backend).backend();
        return ExperimentRun.execute(exp, config, p, dir, be, o).pass();
    }
}
