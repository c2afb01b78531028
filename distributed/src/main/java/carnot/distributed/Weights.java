package carnot.distributed;

import java.io.Serializable;

/**
 * Flat parameter values w (all parameters concatenated in order, f64 on the wire), tagged with a version that is
 * unique within one {@link DistributedProblem}: an executor writes them into its model only when the version
 * differs from the one it holds, and drops its linearized operators then.
 */
record Weights(long version, double[] values) implements Serializable {
}
