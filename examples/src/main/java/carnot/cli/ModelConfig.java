package carnot.cli;

import carnot.engine.Loss;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.data.Examples;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The validated model/data/loss configuration shared by every command that needs a model ({@code grad}, {@code hvp},
 * {@code info}, {@code spectrum}, {@code train}, …). Built once from {@link ModelOptions}; constructing one with
 * inconsistent values throws a {@link FlagException} naming the flag.
 *
 * @param model      architecture
 * @param widths     layer widths d0,…,dL for mlp/linear (empty for transformer)
 * @param act        hidden activation for mlp ({@link Activation#LINEAR} for the deep linear network)
 * @param bias       whether mlp layers have biases (always false for linear and transformer)
 * @param vocab      transformer vocabulary size
 * @param ctx        transformer context length
 * @param dModel     transformer width
 * @param heads      transformer attention heads (dividing dModel)
 * @param layers     transformer blocks
 * @param mlpRatio   transformer MLP hidden width = mlpRatio·dModel
 * @param dtype      F32 or F64
 * @param seed       initialization and data seed
 * @param backend    backend name ("cpu", "ref", …)
 * @param weights    weights npz or null (then initialized from seed)
 * @param data       data npz with arrays x and y, or null
 * @param dataset    built-in data set name, or null
 * @param samples    number of examples to use (0 = the built-in set's default, or the whole --data file)
 * @param subset     how the examples are chosen: first, seeded (random without replacement) or balanced per class
 * @param standardize standardize each input feature to mean 0, variance 1 over the chosen examples (mlp/linear)
 * @param loss       MSE or CE
 * @param chunk      examples per chunk (0 = all at once); memory only
 * @param allowNonfinite accept NaN or infinite values in the weights and data files (refused otherwise)
 */
public record ModelConfig(Arch model, int[] widths, Activation act, boolean bias, int vocab, int ctx, int dModel,
                          int heads, int layers, int mlpRatio, DType dtype, long seed, carnot.kernels.BackendSelector.Choice backend,
                          Path weights, Path data, String dataset, int samples, Examples.Subset subset,
                          boolean standardize, Loss loss, int chunk, boolean allowNonfinite) {

    /** A configuration that refuses non-finite input values. */
    public ModelConfig(Arch model, int[] widths, Activation act, boolean bias, int vocab, int ctx, int dModel,
                       int heads, int layers, int mlpRatio, DType dtype, long seed, carnot.kernels.BackendSelector.Choice backend,
                       Path weights, Path data, String dataset, int samples, Examples.Subset subset,
                       boolean standardize, Loss loss, int chunk) {
        this(model, widths, act, bias, vocab, ctx, dModel, heads, layers, mlpRatio, dtype, seed, backend, weights, data,
                dataset, samples, subset, standardize, loss, chunk, false);
    }

    /** Architectures the command line builds. */
    public enum Arch {
        MLP, LINEAR, TRANSFORMER;

        /** Parses "mlp", "linear" or "transformer". */
        public static Arch parse(String s) {
            for (Arch a : values()) {
                if (a.name().equalsIgnoreCase(s)) {
                    return a;
                }
            }
            throw new FlagException("--model must be mlp, linear or transformer; given '" + s + "'");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Validates every field; see the record description. */
    public ModelConfig {
        widths = widths == null ? new int[0] : widths.clone();
        if (model != Arch.TRANSFORMER) {
            if (widths.length < 2) {
                throw new FlagException("--widths needs at least two comma-separated sizes (input,…,output)"
                        + " for --model " + model + "; given " + Arrays.toString(widths));
            }
            for (int w : widths) {
                if (w <= 0) {
                    throw new FlagException("--widths must all be positive; given " + Arrays.toString(widths));
                }
            }
            if (model == Arch.LINEAR && bias) {
                throw new FlagException("--model linear has no biases; --bias true is not allowed");
            }
        } else {
            requirePositive("--vocab", vocab);
            requirePositive("--ctx", ctx);
            requirePositive("--d-model", dModel);
            requirePositive("--heads", heads);
            requirePositive("--layers", layers);
            requirePositive("--mlp-ratio", mlpRatio);
            if (dModel % heads != 0) {
                throw new FlagException("--heads must divide --d-model; given heads " + heads
                        + ", d-model " + dModel);
            }
        }
        if (act == null || dtype == null || loss == null) {
            throw new IllegalArgumentException("a model configuration needs an activation, a dtype and a loss; given "
                    + act + ", " + dtype + ", " + loss);
        }
        if (!dtype.isFloating()) {
            throw new FlagException("--dtype must be f32 or f64; given '" + flag(dtype) + "'");
        }
        if (model == Arch.LINEAR && act != Activation.LINEAR) {
            throw new FlagException("--model linear has linear layers; given --act " + act);
        }
        if (model == Arch.TRANSFORMER && loss != Loss.CE) {
            throw new FlagException("--model transformer needs --loss ce (token targets); given --loss " + flag(loss));
        }
        if (data != null && dataset != null) {
            throw new FlagException("give either --data FILE or --dataset NAME, not both");
        }
        if (chunk < 0) {
            throw new FlagException("--chunk must be >= 0 (0 = all examples at once); given " + chunk);
        }
        if (standardize && model == Arch.TRANSFORMER) {
            throw new FlagException("--standardize applies to mlp/linear inputs, not to transformer token ids");
        }
        if (samples < 0) {
            throw new FlagException("--samples must be >= 0; given " + samples);
        }
    }

    private static void requirePositive(String flag, int v) {
        if (v <= 0) {
            throw new FlagException(flag + " must be a positive integer for --model transformer; given " + v);
        }
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    /** An enum constant as the command line spells it (lower case). */
    static String flag(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** Parses --dtype (f32 or f64, any case). */
    static DType parseDtype(String s) {
        for (DType d : DType.values()) {
            if (d.isFloating() && d.name().equalsIgnoreCase(s)) {
                return d;
            }
        }
        throw new FlagException("--dtype must be f32 or f64; given '" + s + "'");
    }

    /** Parses --loss (mse or ce, any case). */
    static Loss parseLoss(String s) {
        for (Loss l : Loss.values()) {
            if (l.name().equalsIgnoreCase(s)) {
                return l;
            }
        }
        throw new FlagException("--loss must be mse or ce; given '" + s + "'");
    }

    /** Parses --act (any case); the error lists the choices. */
    static Activation parseAct(String s) {
        try {
            return Activation.parse(s);
        } catch (IllegalArgumentException e) {
            throw new FlagException("--" + e.getMessage().replace("activation must", "act must"));
        }
    }
}
