package carnot.engine;

/**
 * A model's readout as the affine map it applies to its last hidden features h [N, d]: outputs = h Wᵀ + b, with
 * {@code weight} the effective [C, d] matrix (multipliers applied) and {@code bias} the effective [C] vector, or null
 * when the readout has none. Neural-collapse metrics (NC3, NC4) compare it with the class means of h.
 */
public record Readout(Tensor weight, Tensor bias) {
    public Readout {
        if (weight == null || weight.rank() != 2) {
            throw new IllegalArgumentException("a readout needs a weight of rank 2 [C, d]; given "
                    + (weight == null ? "null" : java.util.Arrays.toString(weight.shape())));
        }
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != weight.dim(0))) {
            throw new IllegalArgumentException("a readout bias must have shape [" + weight.dim(0) + "]; given "
                    + java.util.Arrays.toString(bias.shape()));
        }
    }
}
