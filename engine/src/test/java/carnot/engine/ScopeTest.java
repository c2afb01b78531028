package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deterministic memory: scopes free what they own, keep hands over, long loops hold flat memory. */
class ScopeTest {
    static final Backend BE = new RefBackend();

    @AfterAll
    static void close() {
        BE.close();
    }

    /** 10,000 full-batch GD steps (gradient + HVP each) leave the live-buffer count where it was after step 1. */
    @Test
    void tenThousandStepLoopHoldsFlatMemory() {
        try (Scope outer = Scope.open()) {
            Model m = new TinyMlp(BE, DType.F64, 1, true, 2, 3, 1);
            DataSet d = new ArrayDataSet(Tensor.randn(BE, DType.F64, 2, 0, 1, 4, 2), Tensor.randn(BE, DType.F64, 3, 0, 1, 4, 1));
            long afterFirst = -1;
            double first = 0;
            double last = 0;
            for (int step = 0; step < 10_000; step++) {
                try (Scope s = Scope.open()) {
                    Grad g = Grad.of(m, Loss.MSE, d, 3);
                    if (step % 1000 == 0) {
                        Hessian.of(m, Loss.MSE, d, 3).apply(g.grad());
                    }
                    for (int i = 0; i < m.params().size(); i++) {
                        Param p = m.params().get(i);
                        Tensor next = s.keep(p.value().sub(g.grad().get(i).mul(0.05)));
                        p.value().close();
                        p.set(next);
                    }
                    if (step == 0) {
                        first = g.loss();
                    }
                    last = g.loss();
                }
                if (step == 0) {
                    afterFirst = Scope.liveBuffers();
                }
                assertEquals(afterFirst, Scope.liveBuffers(), "live buffers after step " + step);
            }
            assertTrue(last < first, "GD must decrease the loss: " + first + " -> " + last);
        }
    }

    @Test
    void closedScopeFreesAndKeptTensorSurvivesInParent() {
        long before = Scope.liveBuffers();
        Tensor kept;
        Tensor dropped;
        try (Scope outer = Scope.open()) {
            try (Scope inner = Scope.open()) {
                kept = inner.keep(Tensor.ones(BE, DType.F64, 3).mul(2));
                dropped = Tensor.ones(BE, DType.F64, 3);
            }
            assertEquals(6.0, kept.sum().item());
            IllegalStateException e = assertThrows(IllegalStateException.class, dropped::toDoubles);
            assertTrue(e.getMessage().contains("after free"), e.getMessage());
        }
        assertThrows(IllegalStateException.class, kept::toDoubles);
        assertEquals(before, Scope.liveBuffers());
    }

    @Test
    void closingOuterBeforeInnerIsRejected() {
        Scope outer = Scope.open();
        Scope inner = Scope.open();
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("innermost"), e.getMessage());
        inner.close();
        outer.close();
    }
}
