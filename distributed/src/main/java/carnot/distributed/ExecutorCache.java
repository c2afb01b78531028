package carnot.distributed;

import carnot.kernels.Backend;
import carnot.kernels.BackendSelector;
import carnot.kernels.CpuBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The executor side's memory between tasks, one per JVM: the shard states of open problems, keyed by problem id and
 * shard index, and one compute backend per backend name (one kernel thread pool per executor JVM). Spark ships
 * closures, not objects that stay, so state that must outlive a task lives here; a shard whose state is missing
 * (first use, a retried task on another executor, a restarted executor) is read again from its file, so a task
 * gives the same result wherever it runs. {@link #release} frees a problem's states on this JVM.
 */
final class ExecutorCache {
    private static final Map<String, ShardState> STATES = new ConcurrentHashMap<>();
    private static final Map<String, Backend> BACKENDS = new ConcurrentHashMap<>();

    private ExecutorCache() {
    }

    /** The state of shard {@code index} of {@code job}'s problem, read and built on first use. */
    static ShardState state(Job job, int index) {
        return STATES.computeIfAbsent(job.problemId() + "/" + index,
                k -> new ShardState(job, index, backend(job.spec().backend(), job.threads())));
    }

    /** The backend named {@code name} ({@code threads} kernel threads for "cpu", 0 = all cores), once per JVM. */
    static Backend backend(String name, int threads) {
        return BACKENDS.computeIfAbsent(name + "/" + threads, n -> threads > 0 && name.equalsIgnoreCase("cpu")
                ? new CpuBackend(threads) : BackendSelector.select(name).backend());
    }

    /** Number of shard states of {@code problemId} this JVM holds. */
    static int held(String problemId) {
        int n = 0;
        for (String k : STATES.keySet()) {
            n += k.startsWith(problemId + "/") ? 1 : 0;
        }
        return n;
    }

    /** Frees every shard state of {@code problemId} held by this JVM; returns how many. */
    static int release(String problemId) {
        List<String> keys = new ArrayList<>();
        for (String k : STATES.keySet()) {
            if (k.startsWith(problemId + "/")) {
                keys.add(k);
            }
        }
        int n = 0;
        for (String k : keys) {
            ShardState s = STATES.remove(k);
            if (s != null) {
                synchronized (s) {
                    s.close();
                }
                n++;
            }
        }
        return n;
    }
}
