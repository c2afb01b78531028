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
}
