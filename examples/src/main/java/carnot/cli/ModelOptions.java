package carnot.cli;

import carnot.engine.Loss;
import carnot.kernels.BackendSelector;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.data.Examples;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The model, data and loss flags of the commands that compute on a model and a data set ({@code grad},
 * {@code hvp}, {@code spectrum}, {@code train}) as one picocli mixin, made of {@link ShapeOptions},
 * {@link NetOptions}, {@link DataOptions} and the loss flags. A command declares {@code @Mixin ModelOptions model;}
 * and calls {@link #config()} once for the validated {@link ModelConfig}, then {@link Problems#build} for the
 * model, data set and loss. Commands that use fewer flags take fewer mixins ({@code info}: shape and network;
 * {@code data export}: shape and data), so no command lists a flag it ignores.
 *
 * <p>{@link #config} also refuses, with a {@link FlagException}, a flag given that the chosen architecture does not
 * use (e.g. {@code --act} with {@code --model linear}, {@code --widths} with {@code --model transformer}).
 */
public final class ModelOptions {
    @Mixin
    ShapeOptions shape;

    @Mixin
    NetOptions net;

    @Mixin
    DataOptions data;

    @Option(names = "--loss", paramLabel = "mse|ce", description = "Loss (default mse for mlp/linear, ce for transformer).")
    String loss;

    @Option(names = "--chunk", defaultValue = "0", description = "Examples per chunk, memory only; results do not depend on it (0 = all).")
    int chunk;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    /** Parses and validates the flags into a {@link ModelConfig}; errors name the flag and the value given. */
    public ModelConfig config() {
        return build(spec, shape, net, data, loss, chunk);
    }

    /**
     * Refuses --seed where a command that draws nothing else from it would ignore it: the weights come from
     * --weights and the examples from --data without a seeded --subset (not for {@code train}, whose SGD
     * shuffling also uses the seed).
     */
    static void refuseUnusedSeed(CommandSpec spec, ModelConfig c) {
        boolean seededData = c.dataset() != null
                || (c.data() != null && c.samples() > 0 && c.subset() != Examples.Subset.FIRST);
        if (c.weights() != null && !seededData) {
            FlagException.refuseGiven(spec, "with --weights" + (c.data() != null ? " and --data" : "")
                    + " (nothing is drawn from it)", "--seed");
        }
    }

    /**
     * The validated configuration from the given mixins of the command {@code spec}; {@code data} may be null (no
     * data flags: {@code info}), {@code loss} null for the architecture's default.
     */
    static ModelConfig build(CommandSpec spec, ShapeOptions s, NetOptions n, DataOptions d, String loss, int chunk) {
        ModelConfig.Arch arch = s.arch();
        String actFlag = n.act.toLowerCase();
        switch (arch) {
            case LINEAR -> {
                if (!actFlag.equals("linear")) {
                    FlagException.refuseGiven(spec, "to --model linear (its layers are linear; use --model mlp for"
                            + " an activation)", "--act");
                }
                actFlag = "linear";
            }
            case MLP -> {
            }
            case TRANSFORMER -> FlagException.refuseGiven(spec, "to --model transformer (mlp/linear only)", "--widths",
                    "--act", "--bias");
        }
        if (arch != ModelConfig.Arch.TRANSFORMER) {
            FlagException.refuseGiven(spec, "to --model " + arch + " (transformer only)", "--vocab", "--ctx",
                    "--d-model", "--heads", "--layers", "--mlp-ratio");
        }
        BackendSelector.Choice backend = NetOptions.backendChoice(n.backend);
        if (n.weights == null && (d == null || d.data == null)) {
            FlagException.refuseGiven(spec, "without an input file (--weights or --data)", "--allow-nonfinite");
        }
        boolean b = n.bias != null ? n.bias : arch == ModelConfig.Arch.MLP;
        Loss l = loss != null ? ModelConfig.parseLoss(loss) : (arch == ModelConfig.Arch.TRANSFORMER ? Loss.CE : Loss.MSE);
        Activation act = ModelConfig.parseAct(actFlag);
        DType dtype = ModelConfig.parseDtype(n.dtype);
        Examples.Subset subset = d == null ? Examples.Subset.FIRST : d.subset(spec);
        return new ModelConfig(arch, s.widthArray(), act, b, s.vocab, s.ctx, n.dModel, n.heads, n.layers, n.mlpRatio,
                dtype, s.seed, backend, n.weights, d == null ? null : d.data,
                d == null ? null : d.dataset, d == null ? 0 : d.samples, subset, d != null && d.standardize, l, chunk,
                n.allowNonfinite);
    }
}
