package carnot.distributed;

import carnot.engine.Loss;
import java.io.Serializable;

/**
 * What every task of one {@link DistributedProblem} carries: the problem's id (the key of the executors' shard
 * states), the model spec, the shards, the loss, the chunk size of the passes (memory only) and the per-shard
 * memory budget in bytes (data plus linearized primal values), and the executor's kernel threads (0 = all cores).
 */
record Job(String problemId, ModelSpec spec, Shards shards, Loss loss, int chunk, long shardBudget, int threads)
        implements Serializable {
}
