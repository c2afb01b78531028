package carnot.examples.experiments;

import java.util.List;
import java.util.stream.Collectors;

/** Every packaged experiment, listed once: adding an experiment is adding its instance here. */
public final class Experiments {
    private Experiments() {
    }

    /** All experiments, in the order {@code carnot experiment --list} prints them. */
    public static final List<Experiment<?>> ALL = List.of(
            new Saxe(),
            new Ntk(),
            new LazyRich(),
            new Conservation(),
            new Scaling(),
            new Universality(),
            new Eos(),
            new CentralFlowExperiment(),
            new MupTransfer(),
            new Collapse(),
            new FeatureAnsatz(),
            new Grokking()
    );

    /** The experiment called {@code name}; the error lists the known names. */
    public static Experiment<?> named(String name) {
        for (Experiment<?> e : ALL) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown experiment '" + name + "'; known: "
                + ALL.stream().map(Experiment::name).collect(Collectors.joining(", ")) + " (carnot experiment --list)");
    }
}
