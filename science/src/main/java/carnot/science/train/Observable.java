package carnot.science.train;

import carnot.engine.ParamVector;
import java.util.List;
import java.util.Map;

/**
 * A quantity measured during training every {@link #every()} steps. It declares its CSV columns up front, writes
 * its values into the step's record, and may keep state (e.g. warm-start vectors) that goes into checkpoints so
 * a resumed run measures bitwise the same values.
 */
public interface Observable {

    /** Name as used in {@code --observe NAME:EVERY}. */
    String name();

    /** Measure at steps divisible by this (≥ 1). */
    int every();

    /** Keys this observable writes (for the CSV header). */
    List<String> columns();

    /** Measures at the current state and puts its values into {@code record}. */
    void measure(RunState state, Map<String, Object> record);

    /** State to checkpoint (default none). */
    default Map<String, double[]> state() {
        return Map.of();
    }

    /** Restores {@link #state()} (entries absent from a checkpoint are left as they are). */
    default void load(Map<String, double[]> state) {
    }

    /**
     * The loop's state at the start of a step, before the update.
     *
     * @param step     steps taken so far
     * @param w        current parameters (do not modify; on the objective's backend in its master dtype)
     * @param w0       parameters at step 0 (likewise)
     * @param grad     gradient of the step's loss at w (likewise)
     * @param loss     the step's loss at w
     * @param lr       the learning rate the coming update uses (base schedule, before per-parameter multipliers)
     * @param objective the problem
     */
    record RunState(long step, ParamVector w, ParamVector w0, ParamVector grad, double loss, double lr, Objective objective) {
    }
}
