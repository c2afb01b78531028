package carnot.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.kernels.DType;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A standalone Spark cluster from the Maven artifacts alone: a master and two worker processes on 127.0.0.1 (main
 * classes {@code org.apache.spark.deploy.master.Master} and {@code ...worker.Worker} on this test's classpath), each
 * worker launching one executor JVM; the products cross JVMs as on a cluster and still equal the single process
 * bitwise. The worker's executor launcher needs a SPARK_HOME, which a Maven build does not have: an empty folder
 * with SPARK_TESTING=1 (no jars folder required), SPARK_SCALA_VERSION=2.13 and SPARK_DIST_CLASSPATH = this
 * classpath stands in for a Spark distribution. Five JVMs start (197-329 s on the shared 2-core machine at load
 * average 37-42, 2026-12-04); {@code -Dcarnot.skipCluster=true} skips it.
 */
@DisabledIfSystemProperty(named = "carnot.skipCluster", matches = "true")
class StandaloneClusterTest {
    @TempDir
    static Path dir;
    static final List<Process> procs = new ArrayList<>();
    static JavaSparkContext sc;
    static String master;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    private static Process start(String name, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED",
                "-cp", classpath()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        Path home = Files.createDirectories(dir.resolve("spark-home"));
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_TESTING", "1");
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_DIST_CLASSPATH", classpath());
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_MASTER_OPTS", "-Dspark.master.rest.enabled=false");
        Process p = pb.start();
        procs.add(p);
        return p;
    }

    private static void await(int port, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("Spark master did not listen on 127.0.0.1:" + port + " within " + millis + " ms");
    }

    @BeforeAll
    static void startCluster() throws Exception {
        int port = freePort();
        master = "spark://127.0.0.1:" + port;
        start("master", List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                Integer.toString(port), "--webui-port", Integer.toString(freePort())));
        await(port, 120_000);
        for (int i = 1; i <= 2; i++) {
            Path work = Files.createDirectories(dir.resolve("worker-" + i));
            start("worker-" + i, List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                    "--memory", "1g", "--work-dir", work.toString(), "--webui-port", Integer.toString(freePort()), master));
        }
        sc = Spark.context(master, "carnot-cluster-test", Map.of("spark.executor.memory", "768m",
                "spark.executor.cores", "1", "spark.cores.max", "2"));
        long end = System.currentTimeMillis() + 180_000;
        while (sc.sc().getExecutorIds().size() < 2 && System.currentTimeMillis() < end) {
            Thread.sleep(250);
        }
    }

    @AfterAll
    static void stopCluster() throws InterruptedException {
        if (sc != null) {
            sc.stop();
        }
        for (Process p : procs) {
            p.destroy();
        }
        for (Process p : procs) {
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void productsCrossJvmsAndEqualTheSingleProcess() throws IOException {
        assertEquals(2, sc.sc().getExecutorIds().size(), "two executors must have registered; logs in " + dir);
        Fixture f = new Fixture(dir.resolve("shards"), Fixture.mlp());
        try (DistributedProblem p = DistributedProblem.open(sc, f.spec, Fixture.LOSS, f.shards,
                DistributedProblem.Options.defaults(), Fixture.BE); Scope _ = Scope.open()) {
            Grad local = Grad.of(f.model, Fixture.LOSS, f.data, Fixture.ROWS);
            Grad g = p.grad(f.w);
            assertEquals(local.loss(), g.loss(), 0.0);
            assertArrayEquals(local.grad().flatten().toDoubles(), g.grad().flatten().toDoubles(), 0.0);
            Tensor v = Tensor.randn(Fixture.BE, DType.F64, 3, 0, 1, 2, p.dim());
            double[] want = Hessian.of(f.model, Fixture.LOSS, f.data, Fixture.ROWS).applyFlatBatch(v).toDoubles();
            try (DistributedOperator h = p.linearize(f.w, false)) {
                assertArrayEquals(want, h.applyBatch(v).toDoubles(), 0.0);
            }
            assertEquals(0, ExecutorCache.held(p.id()), "shard states must live in the executor JVMs, not the driver's");
            assertTrue(f.shards.count() == 3);
        }
    }
}
