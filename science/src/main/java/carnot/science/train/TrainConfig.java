package carnot.science.train;

import carnot.science.optim.Optimizer;
import carnot.science.optim.Schedule;

/**
 * Validated settings of one training run.
 *
 * @param optimizer       update rule
 * @param hyper           momentum, Adam betas/eps, weight decay
 * @param schedule        learning-rate schedule (already including any α-scaling of the rate)
 * @param steps           number of updates T ≥ 0
 * @param batch           mini-batch size for SGD (1..N); ignored by the full-batch optimizers
 * @param seed            seed of SGD's per-epoch reshuffling
 * @param checkpointEvery write a checkpoint every this many steps (0 = only at the end)
 * @param blowUp          divergence when the loss exceeds blowUp × (initial loss) (&gt; 1), or is NaN/Inf
 * @param stopLoss        stop early once the (full-batch) loss falls below this (0 = never)
 * @param flowFraction    &gt; 0: integrate gradient flow by RK4 instead, with step min(lr, flowFraction/λ_max);
 *                        λ_max is recomputed every {@code flowSharpnessEvery} steps
 * @param flowSharpnessEvery how often the RK4 step bound re-measures the sharpness (≥ 1)
 */
public record TrainConfig(Optimizer.Kind optimizer, Optimizer.Hyper hyper, Schedule schedule, long steps, int batch,
                          long seed, int checkpointEvery, double blowUp, double stopLoss, double flowFraction,
                          int flowSharpnessEvery) {

    public TrainConfig {
        if (optimizer == null || hyper == null || schedule == null) {
            throw new IllegalArgumentException("training needs an optimizer, hyper-parameters and a schedule");
        }
        if (steps < 0 || checkpointEvery < 0 || !(blowUp > 1) || !(stopLoss >= 0) || !(flowFraction >= 0)
                || flowSharpnessEvery < 1) {
            throw new IllegalArgumentException("training needs steps >= 0, checkpointEvery >= 0, blowUp > 1, stopLoss >= 0, "
                    + "flowFraction >= 0, flowSharpnessEvery >= 1; given steps=" + steps + " checkpointEvery="
                    + checkpointEvery + " blowUp=" + blowUp + " stopLoss=" + stopLoss + " flowFraction=" + flowFraction
                    + " flowSharpnessEvery=" + flowSharpnessEvery);
        }
        if (optimizer == Optimizer.Kind.SGD && batch < 1) {
            throw new IllegalArgumentException("SGD needs a mini-batch size >= 1; given " + batch);
        }
    }

    /** Full-batch GD with a constant rate, no checkpoints, divergence at 1e6 × the initial loss. */
    public static TrainConfig gd(double lr, long steps) {
        return new TrainConfig(Optimizer.Kind.GD, Optimizer.Hyper.defaults(), Schedule.constant(lr), steps, 0, 0, 0,
                1e6, 0, 0, 10);
    }

    /** The same with another optimizer. */
    public TrainConfig withOptimizer(Optimizer.Kind k, int batchSize) {
        return new TrainConfig(k, hyper, schedule, steps, batchSize, seed, checkpointEvery, blowUp, stopLoss,
                flowFraction, flowSharpnessEvery);
    }

    /** The same with checkpoints every k steps. */
    public TrainConfig withCheckpointEvery(int k) {
        return new TrainConfig(optimizer, hyper, schedule, steps, batch, seed, k, blowUp, stopLoss, flowFraction,
                flowSharpnessEvery);
    }

    /** The same with another step count. */
    public TrainConfig withSteps(long t) {
        return new TrainConfig(optimizer, hyper, schedule, t, batch, seed, checkpointEvery, blowUp, stopLoss, flowFraction,
                flowSharpnessEvery);
    }

    /** The same with an early-stopping loss threshold. */
    public TrainConfig withStopLoss(double l) {
        return new TrainConfig(optimizer, hyper, schedule, steps, batch, seed, checkpointEvery, blowUp, l, flowFraction,
                flowSharpnessEvery);
    }

    /** The same integrated as gradient flow (RK4) with step min(lr, fraction/λ_max). */
    public TrainConfig withFlow(double fraction, int sharpnessEvery) {
        return new TrainConfig(optimizer, hyper, schedule, steps, batch, seed, checkpointEvery, blowUp, stopLoss, fraction,
                sharpnessEvery);
    }
}
