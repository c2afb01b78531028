package carnot.distributed;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.function.Function2;

/**
 * The executor side of a product: a task of partition i runs a {@link Body} on shard i's state and returns one
 * {@link Partial}. An executor that runs out of memory gets a {@link ShardMemoryException} naming the shard
 * (instead of Spark's fatal-error handling, which would take the executor down without saying which shard).
 */
final class Tasks {
    private Tasks() {
    }

    /** Work on one shard's state. */
    interface Body extends Serializable {
        Partial run(ShardState s);
    }

    /** The partition function running {@code body} on the shard of each partition ({@code stage} names it in errors). */
    static Function2<Integer, Iterator<Integer>, Iterator<Partial>> onShard(Job job, String stage, Body body) {
        return (index, rows) -> {
            while (rows.hasNext()) {
                rows.next();
            }
            return List.of(run(job, index, stage, body)).iterator();
        };
    }

    /** The partition function freeing the problem's states on the executor it runs on. */
    static Function2<Integer, Iterator<Integer>, Iterator<Partial>> release(String problemId) {
        return (index, rows) -> {
            while (rows.hasNext()) {
                rows.next();
            }
            int n = ExecutorCache.release(problemId);
            return List.of(new Partial(index, 0, null, 0, n, null)).iterator();
        };
    }

    static Partial run(Job job, int index, String stage, Body body) {
        try {
            ShardState s = ExecutorCache.state(job, index);
            synchronized (s) {
                return body.run(s);
            }
        } catch (OutOfMemoryError e) {
            throw ShardMemoryException.outOfMemory(job.shards().describe(index), stage, e);
        }
    }

    /** This JVM's executor id ("driver" in local mode), or the JVM's name outside Spark. */
    static String executorName() {
        SparkEnv env = SparkEnv.get();
        return env != null ? env.executorId() : java.lang.management.ManagementFactory.getRuntimeMXBean().getName();
    }
}
