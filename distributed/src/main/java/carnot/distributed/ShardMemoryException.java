package carnot.distributed;

/**
 * An executor could not hold what one shard needs (its rows, or the primal values of its linearized Hessian): the
 * message names the shard, its size, what was being done and what would help.
 */
public final class ShardMemoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ShardMemoryException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The executor ran out of memory while working on a shard. */
    static ShardMemoryException outOfMemory(String shard, String stage, OutOfMemoryError e) {
        return new ShardMemoryException(shard + " ran out of memory on executor " + Tasks.executorName() + " during "
                + stage + " (" + e.getMessage() + "); give the executors more memory (spark.executor.memory,"
                + " or -Xmx for local[N]) or split the data into more, smaller shards", null);
    }
}
