package carnot.examples.experiments;

import java.util.List;
import java.util.Map;

/**
 * A packaged experiment: one phenomenon of the paper, the law the theory states for it, and the check of that law.
 * Each experiment is one class; its configuration is a record with {@code smoke()} and {@code paper()} defaults.
 * An experiment states its predictions and bands in code before it trains (the {@link Verdict}s it returns compare
 * the measurement with them), records metrics and saves plots with the theory overlaid on the measurement through
 * its {@link ExperimentRun}, and uses only the public engine API.
 *
 * @param <C> the configuration record
 */
public interface Experiment<C extends Experiment.Config> {

    /** A configuration record: {@link #toMap} is what {@code config.json} holds. */
    interface Config {
        /** Every field, by name, in declaration order (arrays as arrays). */
        Map<String, Object> toMap();
    }

    /** The name used on the command line, e.g. {@code saxe}. */
    String name();

    /** One line: what the experiment tests and against which law (with the paper it comes from). */
    String tests();

    /** The preset configuration. */
    C preset(Preset preset);

    /**
     * The configuration {@code base} with the {@code --set} overrides applied: read every overridable field through
     * {@code o} with the base value as default (keys not read are refused afterwards).
     */
    C override(C base, Overrides o);

    /** Runs the experiment and returns one verdict per law checked. */
    List<Verdict> run(C config, ExperimentRun run);
}
