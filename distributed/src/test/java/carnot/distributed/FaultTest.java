package carnot.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.science.train.Objective;
import carnot.science.train.ModelObjective;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListenerInterface;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults: a task that fails once is retried by Spark and the result is bitwise unchanged; a shard that does not fit
 * its executor's memory fails with a message naming the shard and its size.
 */
class FaultTest {
    /** Forward passes left to fail (all executors of local mode share this JVM). */
    static final AtomicInteger FAILURES = new AtomicInteger();
    /** When true, every forward pass throws OutOfMemoryError. */
    static volatile boolean outOfMemory;

    @TempDir
    static Path dir;
    static JavaSparkContext sc;
    static Fixture f;
    static final ByteArrayOutputStream log = new ByteArrayOutputStream();
    static SparkListenerInterface progress;

    /** The MLP spec, but its executor-side model fails on demand. */
    record Faulty(ModelSpec inner) implements ModelSpec {
        @Override
        public String backend() {
            return inner.backend();
        }

        @Override
        public DType dtype() {
            return inner.dtype();
        }

        @Override
        public double[] multipliers() {
            return inner.multipliers();
        }

        @Override
        public Model build(Backend be) {
            Model m = inner.build(be);
            return new Model() {
                @Override
                public List<Param> params() {
                    return m.params();
                }

                @Override
                public Tensor forward(List<Tensor> weights, Tensor x) {
                    if (outOfMemory) {
                        throw new OutOfMemoryError("Java heap space (injected)");
                    }
                    if (FAILURES.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        throw new IllegalStateException("injected task failure");
                    }
                    return m.forward(weights, x);
                }
            };
        }
    }

    @BeforeAll
    static void start() {
        sc = Fixture.context();
        progress = new StageProgress(new PrintStream(log, true, StandardCharsets.UTF_8));
        sc.sc().addSparkListener(progress);
        f = new Fixture(dir, Fixture.mlp());
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    private static DistributedProblem open(long budget) {
        return DistributedProblem.open(sc, new Faulty(f.spec), Fixture.LOSS, f.shards,
                new DistributedProblem.Options(Integer.MAX_VALUE, budget, 0), Fixture.BE);
    }

    private static String waitForLog(String needle) throws InterruptedException {
        for (int i = 0; i < 100 && !log.toString(StandardCharsets.UTF_8).contains(needle); i++) {
            Thread.sleep(50);
        }
        return log.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndTheResultIsUnchanged() throws InterruptedException {
        try (DistributedProblem p = open(Long.MAX_VALUE); Scope _ = Scope.open()) {
            Grad local = Grad.of(f.model, Fixture.LOSS, f.data, Fixture.ROWS);
            FAILURES.set(1);
            Grad g = p.grad(f.w);
            assertEquals(0, FAILURES.get(), "the injected failure must have happened");
            assertEquals(local.loss(), g.loss(), 0.0);
            assertArrayEquals(local.grad().flatten().toDoubles(), g.grad().flatten().toDoubles(), 0.0);

            Tensor v = Tensor.randn(Fixture.BE, DType.F64, 4, 0, 1, 2, p.dim());
            double[] want = Hessian.of(f.model, Fixture.LOSS, f.data, Fixture.ROWS).applyFlatBatch(v).toDoubles();
            try (DistributedOperator h = p.hessian(f.w, false)) {
                FAILURES.set(1);
                assertArrayEquals(want, h.applyBatch(v).toDoubles(), 0.0);
                assertEquals(0, FAILURES.get());
            }
            String out = waitForLog("injected task failure");
            assertTrue(out.contains("failed: ") && out.contains("injected task failure"), out);
            assertTrue(out.contains("[carnot gradient]: 3 tasks"), out);
        }
    }

    @Test
    void aShardLargerThanItsBudgetIsNamedWithItsSize() {
        ShardMemoryException e = assertThrows(ShardMemoryException.class, () -> open(1000));
        String m = e.getMessage();
        // whichever shard's task runs first reports; the message names that shard, its file, samples and size
        java.util.regex.Matcher which = java.util.regex.Pattern.compile("shard (\\d) of 3 \\(").matcher(m);
        assertTrue(which.find(), m);
        assertTrue(m.contains("shard-0000" + which.group(1) + ".npz") && m.contains("32 samples")
                && m.contains("kB of data") && m.contains("budget of 1.0 kB"), m);
    }

    @Test
    void aLinearizationOverBudgetIsNamedAndTheObjectiveFallsBackToFreshProducts() {
        long data = 32 * (12 + 3) * 8;
        try (DistributedProblem p = open(data + 2000); Scope _ = Scope.open()) {
            ShardMemoryException e = assertThrows(ShardMemoryException.class, () -> p.linearize(f.w, false));
            assertTrue(e.getMessage().contains("shard ") && e.getMessage().contains("32 samples")
                    && e.getMessage().contains("budget"), e.getMessage());
            ModelObjective localObj = new ModelObjective(f.spec.build(Fixture.BE), Fixture.LOSS, f.data, null,
                    Fixture.ROWS, 1e-3, 30);
            Objective.Eigen want = localObj.topEigen(f.vector(), 1, null);
            Objective.Eigen got = new DistributedObjective(p, 1e-3, 30).topEigen(f.vector(), 1, null);
            assertArrayEquals(want.values(), got.values(), 0.0);
        }
    }

    @Test
    void anExecutorOutOfMemoryNamesTheShard() {
        try (DistributedProblem p = open(Long.MAX_VALUE)) {
            outOfMemory = true;
            ShardMemoryException e;
            try {
                e = assertThrows(ShardMemoryException.class, () -> p.grad(f.w));
            } finally {
                outOfMemory = false;
            }
            String m = e.getMessage();
            assertTrue(m.contains("ran out of memory") && m.contains("during gradient") && m.contains("samples")
                    && m.matches("(?s).*shard \\d of 3.*"), m);
        }
    }
}
