package carnot.distributed;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Creates the Spark context a {@link DistributedProblem} runs on, with Carnot's defaults: no web UI, 4 attempts per
 * task ({@code spark.task.maxFailures}; {@code local[N]} becomes {@code local[N,4]}, since local mode otherwise
 * never retries), unlimited result size (a product returns k P values per shard), the executors' JVM flags
 * ({@link #EXECUTOR_JAVA_OPTIONS}: the Vector API, native access, Spark's use of sun.misc.Unsafe), and the driver
 * on 127.0.0.1 for local and loopback masters. Entries of {@code conf} override every default.
 */
public final class Spark {
    /** Task attempts before a job fails. */
    public static final int TASK_ATTEMPTS = 4;

    /** JVM flags every executor gets: the engine's Vector API kernels and native memory; no Unsafe warning. */
    public static final String EXECUTOR_JAVA_OPTIONS = "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
            + " --sun-misc-unsafe-memory-access=allow";

    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)])?");

    private Spark() {
    }

    /** The master URL as run: {@code local}, {@code local[N]} and {@code local[*]} get {@value #TASK_ATTEMPTS} attempts. */
    public static String master(String master) {
        if (master == null || master.isBlank()) {
            throw new IllegalArgumentException("a Spark master is required (local[N], spark://HOST:PORT, ...); given '"
                    + master + "'");
        }
        Matcher m = LOCAL.matcher(master.trim());
        if (m.matches()) {
            return "local[" + (m.group(1) == null ? "1" : m.group(1)) + "," + TASK_ATTEMPTS + "]";
        }
        return master.trim();
    }

    /** The configuration {@link #context} uses. */
    public static SparkConf conf(String master, String appName, Map<String, String> conf) {
        String m = master(master);
        SparkConf c = new SparkConf()
                .setMaster(m)
                .setAppName(appName)
                .set("spark.ui.enabled", "false")
                .set("spark.task.maxFailures", Integer.toString(TASK_ATTEMPTS))
                .set("spark.driver.maxResultSize", "0")
                .set("spark.executor.extraJavaOptions", EXECUTOR_JAVA_OPTIONS)
                .set("spark.speculation", "false");
        if (m.startsWith("local") || m.contains("127.0.0.1") || m.contains("localhost")) {
            c.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        }
        conf.forEach(c::set);
        return c;
    }

    /** A Spark context for {@code master} ({@code local[N]}, {@code spark://host:port}, ...). Stop it when done. */
    public static JavaSparkContext context(String master, String appName, Map<String, String> conf) {
        JavaSparkContext sc = new JavaSparkContext(conf(master, appName, conf));
        sc.setLogLevel("WARN");
        return sc;
    }
}
