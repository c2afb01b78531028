package carnot.science.optim;

import carnot.engine.ParamVector;
import java.util.Map;

/**
 * An update rule on a parameter vector ({@link ParamVector}: one flat buffer on the backend).
 *
 * <p>Every step reads the gradient g of the (mini-batch or full-batch) loss at w and updates w in place with the
 * scheduled learning rate η_t times a per-coordinate multiplier m_i (from the parameterization; all 1 when none).
 * The moment buffers live on w's backend in w's dtype (f64 master weights are the caller's choice of w's dtype)
 * and a step is a handful of elementwise kernels over the flat buffers: nothing moves to the host. All state
 * (moment buffers, step counter) is exposed by {@link #state()} (a download, for checkpoints) and restored by
 * {@link #load} so a checkpoint captures it bitwise.
 */
public interface Optimizer extends AutoCloseable {

    /** Short name: "gd", "momentum", "nesterov", "sgd", "adam", "adamw". */
    String name();

    /** One update {@code w ← w − η·m ⊙ direction(g, state)}; g is not modified. */
    void step(ParamVector w, ParamVector g, double lr);

    /** Number of steps taken so far. */
    long steps();

    /** All state as named flat arrays (copies); the step counter is under "step" as a 1-element array. */
    Map<String, double[]> state();

    /** Restores the state written by {@link #state()}; lengths must match. */
    void load(Map<String, double[]> state);

    /** Frees the state buffers. */
    @Override
    void close();

    /** The kind of optimizer, parsed from the command line. */
    enum Kind {
        GD, MOMENTUM, NESTEROV, SGD, ADAM, ADAMW;

        /** Parses "gd", "momentum", "nesterov", "sgd", "adam", "adamw" (case-insensitive). */
        public static Kind parse(String s) {
            for (Kind k : values()) {
                if (k.name().equalsIgnoreCase(s)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown optimizer '" + s + "'; expected one of gd, momentum, nesterov, sgd, adam, adamw");
        }

        /** True for the optimizers that read the full data set each step (all but SGD). */
        public boolean fullBatch() {
            return this != SGD;
        }
    }

    /** Hyper-parameters beyond the learning rate. */
    record Hyper(double momentum, double beta1, double beta2, double eps, double weightDecay) {
        public Hyper {
            if (!(momentum >= 0 && momentum < 1) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)
                    || !(eps > 0) || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("optimizer hyper-parameters need momentum, beta1, beta2 in [0,1), eps > 0, "
                        + "weight decay >= 0; given momentum=" + momentum + " beta1=" + beta1 + " beta2=" + beta2
                        + " eps=" + eps + " weightDecay=" + weightDecay);
            }
        }

        /** PyTorch defaults: momentum 0.9, betas (0.9, 0.999), eps 1e-8, no weight decay. */
        public static Hyper defaults() {
            return new Hyper(0.9, 0.9, 0.999, 1e-8, 0);
        }
    }

    /**
     * A new optimizer of the given kind for vectors laid out as {@code like} (backend, dtype, shapes), its state
     * allocated there.
     *
     * @param lrMult per-coordinate learning-rate multipliers laid out as {@code like}, or null for all ones (the
     *               optimizer reads it at every step and does not own it)
     */
    static Optimizer create(Kind kind, ParamVector like, Hyper h, ParamVector lrMult) {
        if (lrMult != null && (lrMult.dim() != like.dim() || lrMult.dtype() != like.dtype() || lrMult.backend() != like.backend())) {
            throw new IllegalArgumentException("learning-rate multipliers need one value per coordinate, " + like.dtype() + "["
                    + like.dim() + "] on " + like.backend().name() + "; given " + lrMult.dtype() + "[" + lrMult.dim() + "] on "
                    + lrMult.backend().name());
        }
        return switch (kind) {
            case GD, SGD -> new MomentumSgd(kind.name().toLowerCase(), like, 0, false, h.weightDecay(), lrMult);
            case MOMENTUM -> new MomentumSgd("momentum", like, h.momentum(), false, h.weightDecay(), lrMult);
            case NESTEROV -> new MomentumSgd("nesterov", like, h.momentum(), true, h.weightDecay(), lrMult);
            case ADAM -> new Adam("adam", like, h, false, lrMult);
            case ADAMW -> new Adam("adamw", like, h, true, lrMult);
        };
    }
}
