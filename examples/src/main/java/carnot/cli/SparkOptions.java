package carnot.cli;

import carnot.distributed.DistributedObjective;
import carnot.distributed.DistributedOperator;
import carnot.distributed.DistributedProblem;
import carnot.distributed.ModelSpec;
import carnot.distributed.ShardMemoryException;
import carnot.distributed.Shards;
import carnot.distributed.Spark;
import carnot.distributed.StageProgress;
import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.ParamVector;
import carnot.science.train.ModelObjective;
import carnot.science.train.Objective;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Transformer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Option;

/**
 * The {@code --spark} flags of {@code grad}, {@code hvp}, {@code spectrum} and {@code train} as a picocli mixin: with
 * {@code --spark MASTER} the full-batch sums run on Apache Spark ({@code carnot.distributed}). The driver builds the
 * problem as without the flag, writes the training set as {@code --spark-shards} npz shards into {@code --spark-dir}
 * (a path every executor reads), and each executor keeps its shard and a copy of the model; the driver adds the
 * shards' partials in shard order. Rows per shard are a multiple of {@code --chunk}, so a single-process run with
 * {@code --chunk} = rows per shard gives bitwise the same numbers (see distributed/README.md). One progress line per
 * Spark stage goes to stderr.
 */
public final class SparkOptions {
    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Run the full-batch sums on Apache Spark: local[N] (N executor threads in this JVM) or"
                    + " spark://HOST:PORT (a standalone cluster).")
    String master;

    @Option(names = "--spark-shards", defaultValue = "0",
            description = "With --spark: data shards, one Spark task each (0 = the cluster's default parallelism).")
    int shards;

    @Option(names = "--spark-dir", paramLabel = "DIR",
            description = "With --spark: folder every executor can read, for the shard files (default: a fresh"
                    + " temporary folder, removed at the end; on a cluster give a shared path).")
    Path dir;

    @Option(names = "--spark-threads", defaultValue = "0",
            description = "With --spark: kernel threads per executor JVM (0 = all its cores: bitwise the single process;"
                    + " another count changes the GEMMs' rounding). For local[N] cores/N avoids N tasks sharing one pool.")
    int threads;

    @Option(names = "--spark-conf", paramLabel = "KEY=VALUE",
            description = "With --spark: extra Spark configuration, e.g. spark.executor.memory=8g (repeatable).")
    Map<String, String> conf = new LinkedHashMap<>();

    /** True with {@code --spark}. */
    public boolean enabled() {
        check();
        return master != null;
    }

    /** {@code --spark-*} flags without {@code --spark} are refused. */
    private void check() {
        if (master == null && (shards != 0 || dir != null || !conf.isEmpty() || threads != 0)) {
            throw new FlagException("--spark-shards, --spark-dir, --spark-threads and --spark-conf need --spark MASTER");
        }
        if (shards < 0 || threads < 0) {
            throw new FlagException("--spark-shards and --spark-threads must be >= 0 (0 = the default); given " + shards
                    + ", " + threads);
        }
    }

    /**
     * A Spark context with the problem's shards open on it; {@link #close()} frees the executors' state, stops the
     * context and removes a temporary shard folder.
     */
    public final class Connection implements AutoCloseable {
        private final JavaSparkContext sc;
        private final DistributedProblem problem;
        private final Path shardDir;
        private final boolean temporary;
        private final int rows;
        private final Map<String, Object> json = new LinkedHashMap<>();

        private Connection(JavaSparkContext sc, DistributedProblem problem, Path shardDir, boolean temporary, int rows) {
            this.sc = sc;
            this.problem = problem;
            this.shardDir = shardDir;
            this.temporary = temporary;
            this.rows = rows;
            json.put("spark", master);
            json.put("shards", problem.shards().count());
            json.put("rows_per_shard", rows);
        }

        public DistributedProblem problem() {
            return problem;
        }

        /** Fields for a command's JSON output: master, shards, rows per shard, linearization. */
        public Map<String, Object> json() {
            return json;
        }

        /**
         * The Hessian or Gauss-Newton operator at the driver's weights: {@code linearize} on (refuses beyond a shard's
         * budget), auto (fresh products then, said on stderr) or off.
         */
        public DistributedOperator operator(double[] w, boolean gaussNewton, String linearize, PrintStream log) {
            DistributedOperator op = null;
            long t0 = System.nanoTime();
            if (!linearize.equals("off")) {
                try {
                    op = problem.linearize(w, gaussNewton);
                } catch (ShardMemoryException e) {
                    if (linearize.equals("on")) {
                        throw e;
                    }
                    json.put("linearize_skipped", e.getMessage());
                    log.println("carnot spark: fresh products per HVP; " + e.getMessage());
                }
            }
            if (op == null) {
                op = problem.hessian(w, gaussNewton);
            } else {
                json.put("linearize_seconds", (System.nanoTime() - t0) * 1e-9);
                json.put("linearized_bytes", op.linearizedBytes());
            }
            json.put("linearized", op.linearized());
            return op;
        }

        @Override
        public void close() {
            try {
                problem.close();
            } finally {
                sc.stop();
                if (temporary) {
                    delete(shardDir);
                }
            }
        }
    }

    /**
     * Opens a connection for {@code p} (its network {@code net}: the problem's model, possibly re-parameterized), or
     * returns null without {@code --spark}.
     */
    public Connection open(Problems.Problem p, Model net, PrintStream log) {
        check();
        if (!enabled()) {
            return null;
        }
        ModelSpec spec = spec(p.config(), net);
        Map<String, String> c = new LinkedHashMap<>(conf);
        JavaSparkContext sc = Spark.context(master, "carnot", c);
        Path d = dir;
        boolean temporary = d == null;
        try {
            sc.sc().addSparkListener(new StageProgress(log));
            int n = p.data().size();
            int parts = shards > 0 ? shards : Math.max(1, sc.defaultParallelism());
            boolean whole = p.config().chunk() == 0;
            int rows = whole ? (n + parts - 1) / parts : Shards.rowsPerShard(n, parts, p.chunk());
            d = temporary ? Files.createTempDirectory("carnot-shards-") : d;
            Shards sh = Shards.write(p.data(), d, rows);
            log.printf(Locale.ROOT, "carnot spark: %s, %d shards of %d rows in %s (a single process with --chunk %d"
                    + " adds the same partial sums)%n", Spark.master(master), sh.count(), rows, d, rows);
            DistributedProblem.Options o = new DistributedProblem.Options(whole ? Integer.MAX_VALUE : p.chunk(),
                    carnot.engine.Linearized.defaultBudget(), threads);
            DistributedProblem dp = DistributedProblem.open(sc, spec, p.loss(), sh, o, p.backend());
            return new Connection(sc, dp, d, temporary, rows);
        } catch (IOException e) {
            sc.stop();
            throw new UncheckedIOException("--spark: cannot create a shard folder: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            sc.stop();
            if (temporary && d != null) {
                delete(d);
            }
            throw e;
        }
    }

    /** {@code carnot grad}: the full-batch gradient on Spark at the problem's weights. */
    Grad grad(Problems.Problem p, PrintStream log) {
        try (Connection s = open(p, p.model(), log)) {
            return s.problem().grad(ModelObjective.flatten(p.model()).toDoubles());
        }
    }

    /** {@code carnot hvp}: loss, gradient and {@code H v} on Spark at the problem's weights. */
    Hessian.WithGradient hvpWithGradient(Problems.Problem p, ParamVector v, PrintStream log) {
        try (Connection s = open(p, p.model(), log)) {
            return s.problem().hvpWithGradient(ModelObjective.flatten(p.model()).toDoubles(), v);
        }
    }

    /**
     * {@code carnot train}: the distributed objective in place of {@code local} (returned as is without --spark); the
     * connection stays open until {@link #close()}. The network must be the plain one (no --alpha/--centered) and the
     * objective must have no held-out set.
     */
    Objective objective(ModelObjective local, Problems.Problem p, Model net, double eigTol, int eigMaxIter, PrintStream log) {
        check();
        if (!enabled()) {
            return local;
        }
        if (net != p.model()) {
            throw new FlagException("--spark trains the network itself; --alpha and --centered are not supported with --spark");
        }
        if (local.evaluationColumns().size() > 1) {
            throw new FlagException("--test-dataset is not supported with --spark (held-out evaluation runs on one machine)");
        }
        connection = open(p, net, log);
        return new DistributedObjective(connection.problem(), eigTol, eigMaxIter);
    }

    private Connection connection;

    /** Closes the connection {@link #objective} opened (if any). */
    void close() {
        if (connection != null) {
            Connection s = connection;
            connection = null;
            s.close();
        }
    }

    /** The executors' model description for the command line's architectures, with the network's multipliers. */
    static ModelSpec spec(ModelConfig c, Model net) {
        DType dt = c.dtype();
        double[] m = new double[net.params().size()];
        for (int i = 0; i < m.length; i++) {
            Param q = net.params().get(i);
            m[i] = q.multiplier();
        }
        return switch (c.model()) {
            case MLP -> new ModelSpec.MlpSpec(c.backend().flag(), dt, c.widths(), c.act(), c.bias(), c.seed(), m);
            case LINEAR -> new ModelSpec.MlpSpec(c.backend().flag(), dt, c.widths(), Activation.LINEAR, false, c.seed(), m);
            case TRANSFORMER -> new ModelSpec.TransformerSpec(c.backend().flag(), dt, c.vocab(), c.ctx(), c.dModel(), c.heads(),
                    c.layers(), c.mlpRatio(), net instanceof Transformer t && t.lastOnly(), c.seed(), m);
        };
    }

    private static void delete(Path d) {
        try (Stream<Path> s = Files.walk(d)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
