package carnot.engine;

/** Samples addressed by index ranges; chunks {@code [from, to)} are what full-batch passes iterate over. */
public interface DataSet {

    /** Number of samples N. */
    int size();

    /** Inputs of samples {@code [from, to)}: leading axis {@code to - from}. */
    Tensor x(int from, int to);

    /** Targets of samples {@code [from, to)}: leading axis {@code to - from}. */
    Tensor y(int from, int to);

    /**
     * Samples of the whole data set this one is a shard of (default {@link #size()}): the full-batch loss
     * normaliser ({@link Loss#count(DataSet)}) counts these, so a sum of shard passes is the full-batch pass.
     */
    default int totalSize() {
        return size();
    }

    /** What {@link #chunks} runs on one chunk {@code [from, to)}; returning false stops the loop. */
    @FunctionalInterface
    interface ChunkBody {
        boolean run(int from, int to, Scope scope);
    }

    /**
     * The chunk loop of every full-batch pass: {@code body} on {@code [from, to)} for {@code from = 0, c, 2c, ...}
     * and {@code to = min(from + c, N)}, in this order, each inside its own {@link Scope} (what a chunk allocates is
     * freed after it unless kept with {@link Scope#keep}); stops after a body returns false. Requires {@code c >= 1}
     * and {@code N >= 1}.
     */
    default void chunks(int c, ChunkBody body) {
        FullBatch.checkChunk(this, c);
        for (int from = 0; from < size(); from += c) {
            try (Scope s = Scope.open()) {
                if (!body.run(from, Math.min(size(), from + c), s)) {
                    return;
                }
            }
        }
    }
}
