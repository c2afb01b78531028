package carnot.distributed;

import carnot.engine.ArrayDataSet;
import carnot.engine.Hessian;
import carnot.engine.Linearized;
import carnot.engine.Loss;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.science.train.ModelObjective;
import carnot.kernels.DType;
import carnot.models.Activation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Overhead of a distributed linearized HVP (Spark local[2], 2 shards) against the single process (same JVM, chunk =
 * shard rows, so the two give bitwise the same product) on the MLP 784-512-512-512-10 (tanh, f64, CE) with N
 * Gaussian inputs and random labels. Products alternate (single/distributed, then distributed/single, ...) so both
 * see the same machine load; the statistic is the median of the per-pair ratios. Prints the cost-model inputs and
 * the predicted speed-up for 8 and 64 executors. Not a test: run with
 * {@code java -cp <distributed test classpath> carnot.distributed.OverheadBench [N] [rounds] [GB/s] [master]}.
 */
public final class OverheadBench {
    private OverheadBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        double gbps = args.length > 2 ? Double.parseDouble(args[2]) : 1.25;
        int shards = 2;
        var spec = new ModelSpec.MlpSpec("cpu", DType.F64, new int[]{784, 512, 512, 512, 10}, Activation.TANH, true, 1, null);
        var model = spec.build(Fixture.BE);
        Tensor x = Tensor.randn(Fixture.BE, DType.F64, 2, 0, 1, n, 784);
        int[] ids = new int[n];
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(10);
        }
        ArrayDataSet data = new ArrayDataSet(x, Tensor.indices(Fixture.BE, ids, n));
        int rows = Shards.rowsPerShard(n, shards, n / shards);
        Path dir = Files.createTempDirectory("carnot-bench-shards-");
        Shards sh = Shards.write(data, dir, rows);
        double[] w = ModelObjective.flatten(model).toDoubles();
        int p = w.length;
        System.out.printf(Locale.ROOT, "MLP 784-512-512-512-10, P = %d, N = %d, %d shards of %d rows, %d cores visible%n",
                p, n, sh.count(), rows, Runtime.getRuntime().availableProcessors());
        Tensor v = Tensor.randn(Fixture.BE, DType.F64, 9, 0, 1, p);
        JavaSparkContext sc = Spark.context(args.length > 3 ? args[3] : "local[2]", "carnot-bench", Map.of());
        String[] names = {"single", "spark", "spark, 1 thread/executor"};
        var listener = new TaskTimes();
        sc.sc().addSparkListener(listener);
        try (Linearized single = Hessian.of(model, Loss.CE, data, rows).linearize();
             DistributedProblem dp = DistributedProblem.open(sc, spec, Loss.CE, sh, DistributedProblem.Options.defaults(),
                     Fixture.BE);
             DistributedProblem dp1 = DistributedProblem.open(sc, spec, Loss.CE, sh,
                     DistributedProblem.Options.defaults().withThreads(1), Fixture.BE);
             DistributedOperator dist = dp.linearize(w, false);
             DistributedOperator dist1 = dp1.linearize(w, false)) {
            carnot.engine.LinearOperator[] ops = {single, dist, dist1};
            double[] a = product(single, v);
            double[] b = product(dist, v);
            double[] c = product(dist1, v);
            double worst = 0;
            double scale = 0;
            for (int i = 0; i < p; i++) {
                worst = Math.max(worst, Math.abs(a[i] - c[i]));
                scale = Math.max(scale, Math.abs(a[i]));
            }
            System.out.printf(Locale.ROOT, "linearized bytes: single %d, spark %d; spark product bitwise the single one: %s;"
                    + " 1-thread executors: max |diff| / max |Hv| = %.2e%n", single.bytes(), dist.linearizedBytes(),
                    Arrays.equals(a, b), worst / scale);
            double[][] t = new double[3][pairs];
            double[][] task = new double[3][pairs];
            for (int i = 0; i < pairs; i++) {
                for (int j = 0; j < 3; j++) {
                    int o = (i + j) % 3;
                    listener.reset();
                    t[o][i] = time(ops[o], v);
                    task[o][i] = listener.maxTaskSeconds();
                }
                System.out.printf(Locale.ROOT, "round %d: single %.3f s, spark %.3f s (slowest task %.3f s), 1-thread %.3f s"
                        + " (slowest task %.3f s)%n", i, t[0][i], t[1][i], task[1][i], t[2][i], task[2][i]);
            }
            double t1 = median(t[0]);
            double bytes = 8.0 * p;
            for (int o = 1; o < 3; o++) {
                double[] ratio = new double[pairs];
                double[] fixed = new double[pairs];
                for (int i = 0; i < pairs; i++) {
                    ratio[i] = t[o][i] / t[0][i];
                    fixed[i] = t[o][i] - task[o][i];
                }
                System.out.printf(Locale.ROOT, "%s: median %.3f s vs single %.3f s; median ratio %.3f (overhead %.1f %%);"
                        + " median time outside the slowest task %.3f s%n", names[o], median(t[o]), t1, median(ratio),
                        100 * (median(ratio) - 1), median(fixed));
            }
            System.out.printf(Locale.ROOT, "bytes per product: weights broadcast once per w %.2f MB; v broadcast %.2f MB;"
                    + " back %.2f MB per shard%n", bytes / 1e6, bytes / 1e6, bytes / 1e6);
            double[] outside = new double[pairs];
            for (int i = 0; i < pairs; i++) {
                outside[i] = t[1][i] - task[1][i];
            }
            double fixed = median(outside);
            for (int e : new int[]{8, 64}) {
                double compute = t1 / e;
                double net = (e * bytes + bytes * Math.ceil(Math.log(e + 1) / Math.log(2))) / (gbps * 1e9);
                double te = compute + net + fixed;
                System.out.printf(Locale.ROOT, "predicted %d executors (2 cores each, %.2f GB/s): compute %.3f s + network %.3f s"
                        + " + driver/scheduling %.3f s = %.3f s, speed-up %.1fx over one 2-core process%n",
                        e, gbps, compute, net, fixed, te, t1 / te);
            }
        } finally {
            sc.stop();
        }
    }

    /** The slowest task of the stages since {@link #reset} (executor run time, seconds). */
    static final class TaskTimes extends org.apache.spark.scheduler.SparkListener {
        private volatile double max;

        void reset() {
            max = 0;
        }

        double maxTaskSeconds() {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return max;
        }

        @Override
        public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd e) {
            if (e.taskMetrics() != null) {
                max = Math.max(max, e.taskMetrics().executorRunTime() / 1e3);
            }
        }
    }

    private static double[] product(carnot.engine.LinearOperator op, Tensor v) {
        try (Scope _ = Scope.open()) {
            return op.apply(v).toDoubles();
        }
    }

    private static double time(carnot.engine.LinearOperator op, Tensor v) {
        long t0 = System.nanoTime();
        product(op, v);
        return (System.nanoTime() - t0) * 1e-9;
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
