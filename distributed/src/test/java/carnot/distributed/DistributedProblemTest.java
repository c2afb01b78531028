package carnot.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.GaussNewton;
import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Linearized;
import carnot.engine.ParamVector;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.science.spectral.Eigen;
import carnot.science.spectral.Lanczos;
import carnot.science.spectral.Lobpcg;
import carnot.science.spectral.Which;
import carnot.science.train.ModelObjective;
import carnot.kernels.DType;
import carnot.science.observe.Sharpness;
import carnot.science.train.TrainConfig;
import carnot.science.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distributed passes against the single-process engine on the same data, Spark in local[2] with 3 shards of 32
 * rows: bitwise equal to the single process chunked at the shard boundaries (chunk 32), within the stated rounding
 * bound of the single process in one chunk; the engine's solvers give the same eigenvalues through the operator.
 */
class DistributedProblemTest {
    @TempDir
    static Path dir;
    static JavaSparkContext sc;
    static Fixture f;
    static DistributedProblem dp;

    @BeforeAll
    static void start() {
        sc = Fixture.context();
        f = new Fixture(dir, Fixture.mlp());
        dp = DistributedProblem.open(sc, f.spec, Fixture.LOSS, f.shards, DistributedProblem.Options.defaults(), Fixture.BE);
    }

    @AfterAll
    static void stop() {
        if (dp != null) {
            dp.close();
        }
        sc.stop();
    }

    private static Tensor directions(int k) {
        return Tensor.randn(Fixture.BE, DType.F64, 99, 0, 1, k, dp.dim());
    }

    @Test
    void shardsAreChunkBoundaries() {
        assertEquals(3, f.shards.count());
        assertEquals(Fixture.N, dp.size());
        assertEquals(32, Shards.rowsPerShard(96, 3, 32));
        assertEquals(40, Shards.rowsPerShard(96, 3, 20));
        assertEquals(96, Shards.rowsPerShard(96, 1, 200));
    }

    @Test
    void gradientIsBitwiseTheSingleProcessAtShardChunks() {
        try (Scope _ = Scope.open()) {
            Grad local = Grad.of(f.model, Fixture.LOSS, f.data, Fixture.ROWS);
            Grad dist = dp.grad(f.w);
            assertEquals(local.loss(), dist.loss(), 0.0);
            assertArrayEquals(local.grad().flatten().toDoubles(), dist.grad().flatten().toDoubles(), 0.0);
        }
    }

    @Test
    void gradientIsWithinRoundingOfOneChunk() {
        try (Scope _ = Scope.open()) {
            Grad one = Grad.of(f.model, Fixture.LOSS, f.data, Fixture.N);
            double[] a = one.grad().flatten().toDoubles();
            double[] b = dp.grad(f.w).grad().flatten().toDoubles();
            double worst = 0;
            double scale = 0;
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
                scale = Math.max(scale, Math.abs(a[i]));
            }
            assertTrue(worst <= 1e-13 * scale, "max |diff| " + worst + " vs max |g| " + scale);
            assertEquals(one.loss(), dp.grad(f.w).loss(), 1e-14 * one.loss());
        }
    }

    @Test
    void batchedProductsAreBitwiseTheSingleProcess() {
        try (Scope _ = Scope.open()) {
            Tensor v = directions(3);
            double[] local = Hessian.of(f.model, Fixture.LOSS, f.data, Fixture.ROWS).applyFlatBatch(v).toDoubles();
            double[] fresh;
            double[] lin;
            try (DistributedOperator h = dp.hessian(f.w, false)) {
                fresh = h.applyBatch(v).toDoubles();
                assertArrayEquals(fresh, h.applyBatch(v).toDoubles(), 0.0, "a second run must give the same bits");
            }
            try (DistributedOperator h = dp.linearize(f.w, false)) {
                assertTrue(h.linearized() && h.linearizedBytes() > 0);
                lin = h.applyBatch(v).toDoubles();
                double[] one = h.apply(v.slice(0, 1, 2).reshape(dp.dim())).toDoubles();
                assertArrayEquals(java.util.Arrays.copyOfRange(local, dp.dim(), 2 * dp.dim()), one, 0.0);
            }
            assertArrayEquals(local, fresh, 0.0);
            assertArrayEquals(local, lin, 0.0);
        }
    }

    @Test
    void gaussNewtonProductsAreBitwiseTheSingleProcess() {
        try (Scope _ = Scope.open()) {
            Tensor v = directions(2);
            double[] local = GaussNewton.of(f.model, Fixture.LOSS, f.data, Fixture.ROWS).applyFlatBatch(v).toDoubles();
            try (DistributedOperator g = dp.linearize(f.w, true)) {
                assertArrayEquals(local, g.applyBatch(v).toDoubles(), 0.0);
            }
        }
    }

    @Test
    void hvpWithGradientIsBitwiseTheSingleProcess() {
        try (Scope _ = Scope.open()) {
            ParamVector v = ParamVector.randn(f.model, 7);
            Hessian.WithGradient local = Hessian.of(f.model, Fixture.LOSS, f.data, Fixture.ROWS).applyWithGradient(v);
            Hessian.WithGradient dist = dp.hvpWithGradient(f.w, v);
            assertEquals(local.loss(), dist.loss(), 0.0);
            assertArrayEquals(local.grad().flatten().toDoubles(), dist.grad().flatten().toDoubles(), 0.0);
            assertArrayEquals(local.hv().flatten().toDoubles(), dist.hv().flatten().toDoubles(), 0.0);
        }
    }

    @Test
    void topEigenvaluesAreTheSingleProcessOnes() {
        try (Scope _ = Scope.open();
             Linearized local = Hessian.of(f.model, Fixture.LOSS, f.data, Fixture.ROWS).linearize();
             DistributedOperator dist = dp.linearize(f.w, false)) {
            Eigen a = Lanczos.topK(local, 2, 1e-6, 100, null);
            Eigen b = Lanczos.topK(dist, 2, 1e-6, 100, null);
            assertTrue(b.converged());
            assertArrayEquals(a.values(), b.values(), 0.0);
            assertEquals(a.products(), b.products());
            Eigen c = Lobpcg.solve(local, 2, Which.LARGEST, 1e-4, 60, 3, null);
            Eigen d = Lobpcg.solve(dist, 2, Which.LARGEST, 1e-4, 60, 3, null);
            assertArrayEquals(c.values(), d.values(), 0.0);
            assertEquals(a.values()[0], d.values()[0], 1e-3 * Math.abs(a.values()[0]));
        }
    }

    @Test
    void theTrainerRunsUnchangedOnTheDistributedObjective() {
        ModelObjective localObj = new ModelObjective(f.spec.build(Fixture.BE), Fixture.LOSS, f.data, null, Fixture.ROWS,
                1e-4, 40);
        DistributedObjective distObj = new DistributedObjective(dp, 1e-4, 40);
        List<Map<String, Object>> a = new ArrayList<>();
        List<Map<String, Object>> b = new ArrayList<>();
        TrainConfig cfg = TrainConfig.gd(0.2, 3);
        Trainer.Result ra = new Trainer(localObj, cfg, List.of(new Sharpness(2, 1)), null, a::add).run(f.vector(), null, null);
        Trainer.Result rb = new Trainer(distObj, cfg, List.of(new Sharpness(2, 1)), null, b::add).run(f.vector(), null, null);
        assertEquals(Trainer.Status.COMPLETED, rb.status());
        assertArrayEquals(ra.w().toDoubles(), rb.w().toDoubles(), 0.0);
        assertEquals(4, b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).get("loss"), b.get(i).get("loss"), "step " + i);
            assertEquals(a.get(i).get("sharpness"), b.get(i).get("sharpness"), "step " + i);
        }
        assertTrue((Double) b.get(0).get("sharpness") > 0);
        assertTrue((Double) b.get(3).get("loss") < (Double) b.get(0).get("loss"));
    }

    @Test
    void evaluationMatchesTheSingleProcess() {
        ModelObjective local = new ModelObjective(f.spec.build(Fixture.BE), Fixture.LOSS, f.data, null, Fixture.ROWS,
                1e-6, 10);
        local.load(f.vector());
        DistributedProblem.Evaluation e = dp.evaluate(f.w);
        try (Scope _ = Scope.open()) {
            assertEquals(Grad.loss(f.model, Fixture.LOSS, f.data, Fixture.ROWS), e.loss(), 0.0);
        }
        double acc = local.evaluate(f.vector()).get("train_acc");
        assertTrue(acc > 0 && acc < 1, "accuracy " + acc);
        assertEquals(acc, e.accuracy(), 0.0);
    }

    @Test
    void closingReleasesTheExecutorsShardStates() {
        long before = Scope.liveBuffers();
        DistributedProblem p = DistributedProblem.open(sc, f.spec, Fixture.LOSS, f.shards,
                DistributedProblem.Options.defaults(), Fixture.BE);
        try (Scope _ = Scope.open(); DistributedOperator h = p.linearize(f.w, false)) {
            h.applyBatch(directions(2));
            p.grad(f.w);
        }
        assertEquals(3, ExecutorCache.held(p.id()));
        p.close();
        assertEquals(0, ExecutorCache.held(p.id()));
        assertEquals(before, Scope.liveBuffers(), "buffers leaked by open/linearize/products/close");
    }
}
