package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A linearized Hessian / Gauss-Newton operator (tangent tape recorded once, replayed per product) gives exactly
 * the products of a fresh forward-over-reverse pass: same arithmetic, so bitwise equal, for single and batched
 * directions, over several chunks, on the reference and the CPU backend, also on repeated products (which reuse
 * memoized primal subexpressions); it refuses stale weights and use after close, and its replays hold flat memory.
 */
class LinearizedTest {
    static final Backend REF = new RefBackend();
    static final Backend CPU = new CpuBackend(2);

    @AfterAll
    static void close() {
        REF.close();
        CPU.close();
    }

    static DataSet regression(Backend be, int n, int in, int out) {
        return new ArrayDataSet(Tensor.randn(be, DType.F64, 3, 0, 1, n, in), Tensor.randn(be, DType.F64, 4, 0, 1, n, out));
    }

    static DataSet classification(Backend be, int n, int in, int classes) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = (i * 7 + 3) % classes;
        }
        return new ArrayDataSet(Tensor.randn(be, DType.F64, 5, 0, 1, n, in), Tensor.indices(be, ids, n));
    }

    private static void sameProducts(String what, Hessian h, Model m, Backend be, DType dt) {
        int p = (int) m.numParams();
        try (Linearized lin = h.linearize()) {
            for (int k : new int[]{1, 3, 3, 1}) {
                Tensor v = Tensor.randn(be, dt, 10 + k, 0, 1, k, p);
                assertArrayEquals(h.applyFlatBatch(v).toDoubles(), lin.applyBatch(v).toDoubles(),
                        what + ": k = " + k + " replayed products must equal fresh passes bitwise");
            }
            Tensor v = Tensor.randn(be, dt, 20, 0, 1, p);
            assertArrayEquals(h.applyFlat(v).toDoubles(), lin.apply(v).toDoubles(), what + ": single flat product");
            ParamVector pv = ParamVector.randn(m, 21);
            assertArrayEquals(h.apply(pv).flatten().toDoubles(), lin.apply(pv).flatten().toDoubles(), what + ": ParamVector");
            assertTrue(lin.bytes() > 0, what + ": primal values are held");
        }
    }

    @Test
    void replayEqualsFreshPassBitwiseOnEveryProductAndBackend() {
        for (Backend be : new Backend[]{REF, CPU}) {
            try (Scope s = Scope.open()) {
                Model m = new TinyMlp(be, DType.F64, 5, true, 3, 6, 2);
                DataSet d = regression(be, 23, 3, 2);
                sameProducts(be.name() + " mse hessian, 5 chunks", Hessian.of(m, Loss.MSE, d, 5), m, be, DType.F64);
                sameProducts(be.name() + " mse gauss-newton, 2 chunks", GaussNewton.of(m, Loss.MSE, d, 12), m, be, DType.F64);
                Model c = new TinyMlp(be, DType.F64, 6, true, 4, 7, 3);
                DataSet dc = classification(be, 17, 4, 3);
                sameProducts(be.name() + " ce hessian, 1 chunk", Hessian.of(c, Loss.CE, dc), c, be, DType.F64);
                Model f = new TinyMlp(be, DType.F32, 7, true, 3, 5, 2);
                DataSet df = new ArrayDataSet(Tensor.randn(be, DType.F32, 3, 0, 1, 9, 3), Tensor.randn(be, DType.F32, 4, 0, 1, 9, 2));
                sameProducts(be.name() + " f32 mse hessian", Hessian.of(f, Loss.MSE, df, 4), f, be, DType.F32);
            }
        }
    }

    /** A model that notes the tangent batch k of every forward pass. */
    record Counting(Model m, java.util.List<Integer> ks) implements Model {
        @Override
        public java.util.List<Param> params() {
            return m.params();
        }

        @Override
        public Tensor forward(java.util.List<Tensor> weights, Tensor x) {
            ks.add(weights.getFirst().tangentBatch());
            return m.forward(weights, x);
        }
    }

    @Test
    void batchesBeyondDirectionsPerPassRunAsPassesOfThatManyRows() {
        for (Backend be : new Backend[]{REF, CPU}) {
            try (Scope s = Scope.open()) {
                var ks = new java.util.ArrayList<Integer>();
                Model m = new Counting(new TinyMlp(be, DType.F64, 5, true, 3, 6, 2), ks);
                Hessian h = Hessian.of(m, Loss.MSE, regression(be, 23, 3, 2), 5);
                Hessian h2 = h.inPassesOf(2);
                h2.applyBatch(Tensor.randn(be, DType.F64, 29, 0, 1, 5, h.dim()));
                assertEquals(java.util.List.of(2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1), ks,
                        be.name() + ": tangent batch of each chunk's forward (3 passes over 5 chunks)");
                assertEquals(2, h2.directionsPerPass());
                assertEquals(Integer.MAX_VALUE, h.directionsPerPass());
                int p = h.dim();
                Tensor v = Tensor.randn(be, DType.F64, 30, 0, 1, 5, p);
                Tensor byHand = Tensor.concat(0, h.applyBatch(v.slice(0, 0, 2)), h.applyBatch(v.slice(0, 2, 4)),
                        h.applyBatch(v.slice(0, 4, 5)));
                assertArrayEquals(byHand.toDoubles(), h2.applyBatch(v).toDoubles(), be.name() + ": passes of 2 rows");
                Check.close(be.name() + ": passes of 2 rows vs one pass of 5", h.applyBatch(v).toDoubles(),
                        h2.applyBatch(v).toDoubles(), 1e-12);
                try (Linearized lin = h2.linearize()) {
                    assertEquals(2, lin.directionsPerPass());
                    assertArrayEquals(byHand.toDoubles(), lin.applyBatch(v).toDoubles(), be.name() + ": linearized, passes of 2");
                }
                var vs = java.util.List.of(ParamVector.randn(m, 31), ParamVector.randn(m, 32), ParamVector.randn(m, 33));
                var one = h.applyBatch(vs);
                var split = h2.applyBatch(vs);
                assertEquals(3, split.size());
                assertArrayEquals(h.applyBatch(vs.subList(2, 3)).getFirst().flatten().toDoubles(),
                        split.get(2).flatten().toDoubles(), be.name() + ": the third vector runs alone");
                for (int j = 0; j < 3; j++) {
                    Check.close(be.name() + ": ParamVector " + j, one.get(j).flatten().toDoubles(),
                            split.get(j).flatten().toDoubles(), 1e-12);
                }
                var bad = assertThrows(IllegalArgumentException.class, () -> h.inPassesOf(0));
                assertTrue(bad.getMessage().contains("given 0"), bad.getMessage());
            }
        }
    }

    @Test
    void staleWeightsAndUseAfterCloseAreRefused() {
        try (Scope s = Scope.open()) {
            Model m = new TinyMlp(REF, DType.F64, 5, true, 3, 4, 2);
            DataSet d = regression(REF, 8, 3, 2);
            Linearized lin = Hessian.of(m, Loss.MSE, d).linearize();
            Tensor v = Tensor.randn(REF, DType.F64, 1, 0, 1, (int) m.numParams());
            lin.apply(v);
            Param first = m.params().getFirst();
            Tensor old = first.value();
            first.set(old.mul(2));
            var stale = assertThrows(IllegalStateException.class, () -> lin.apply(v));
            assertTrue(stale.getMessage().contains(first.name()), stale.getMessage());
            first.set(old);
            lin.close();
            assertThrows(IllegalStateException.class, () -> lin.apply(v));
        }
    }

    @Test
    void replaysHoldFlatMemoryAndCloseFreesTheTape() {
        long before = Scope.liveBuffers();
        try (Scope outer = Scope.open()) {
            Model m = new TinyMlp(CPU, DType.F64, 5, true, 3, 8, 2);
            DataSet d = regression(CPU, 40, 3, 2);
            Tensor v = Tensor.randn(CPU, DType.F64, 1, 0, 1, 4, (int) m.numParams());
            long atStart = Scope.liveBuffers();
            try (Linearized lin = Hessian.of(m, Loss.MSE, d, 10).linearize()) {
                try (Scope s = Scope.open()) {
                    lin.applyBatch(v);
                }
                long held = Scope.liveBuffers();
                for (int i = 0; i < 30; i++) {
                    try (Scope s = Scope.open()) {
                        lin.applyBatch(v);
                    }
                    assertEquals(held, Scope.liveBuffers(), "a replay must not leave buffers behind (iteration " + i + ")");
                }
            }
            assertEquals(atStart, Scope.liveBuffers(), "close() frees the tape's primal and memoized values");
        }
        assertEquals(before, Scope.liveBuffers());
    }

    @Test
    void memoryBudgetRefusesWithTheEstimateAndLeavesNothingBehind() {
        try (Scope outer = Scope.open()) {
            Model m = new TinyMlp(CPU, DType.F64, 5, true, 3, 8, 2);
            DataSet d = regression(CPU, 40, 3, 2);
            long before = Scope.liveBuffers();
            var e = assertThrows(IllegalStateException.class, () -> Hessian.of(m, Loss.MSE, d, 10).linearize(100));
            assertTrue(e.getMessage().contains("all 4 chunks") && e.getMessage().contains("budget"), e.getMessage());
            assertEquals(before, Scope.liveBuffers(), "a refused recording frees what it held");
            try (Linearized lin = Hessian.of(m, Loss.MSE, d, 10).linearize(1L << 30)) {
                assertEquals(4, lin.chunks());
            }
        }
    }
}
