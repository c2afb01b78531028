package carnot.distributed;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.Success$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;

/**
 * One progress line per finished Spark stage ({@code spark stage 7 [carnot hvp k=4]: 2 tasks, 0.84 s}), and one
 * per failed task attempt (Spark retries it), on {@code out}. Register with
 * {@code sc.sc().addSparkListener(new StageProgress(System.err))}.
 */
public final class StageProgress extends SparkListener {
    private final PrintStream out;
    private final Map<Integer, String> names = new ConcurrentHashMap<>();

    public StageProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted e) {
        String d = e.properties() == null ? null : e.properties().getProperty("spark.job.description");
        names.put(e.stageInfo().stageId(), d != null ? d : e.stageInfo().name());
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
        if (e.reason() != Success$.MODULE$) {
            out.printf(Locale.ROOT, "spark stage %d: task %d (partition %d, attempt %d) failed: %s%n", e.stageId(),
                    e.taskInfo().taskId(), e.taskInfo().partitionId(), e.taskInfo().attemptNumber(),
                    firstLine(e.reason().toString()));
            out.flush();
        }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted e) {
        StageInfo s = e.stageInfo();
        String name = names.remove(s.stageId());
        double secs = s.submissionTime().isDefined() && s.completionTime().isDefined()
                ? ((Long) s.completionTime().get() - (Long) s.submissionTime().get()) / 1e3 : Double.NaN;
        String failed = s.failureReason().isDefined() ? ", FAILED: " + firstLine(s.failureReason().get()) : "";
        out.printf(Locale.ROOT, "spark stage %d [%s]: %d tasks, %.2f s%s%n", s.stageId(), name, s.numTasks(), secs, failed);
        out.flush();
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
