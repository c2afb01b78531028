package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The memory of a linearized Hessian's batched replay on a transformer tape (attention scores and softmax on
 * [k, B, H, t, t], layer norms, GELU): the engine's peak live bytes during a product stay within the tangents the
 * tape's liveness keeps alive plus one jvp rule's temporaries, far below keeping every rule's temporaries; the
 * products stay bitwise those of fresh passes; repeated products hold flat memory; the measured bytes per direction
 * predict a larger batch's peak.
 */
class LinearizedMemoryTest {
    static final Backend REF = new RefBackend();
    static final Backend CPU = new CpuBackend(2);

    @AfterAll
    static void close() {
        REF.close();
        CPU.close();
    }

    /** Zero directions [k, shape] per parameter (the arithmetic, and so the memory, does not depend on values). */
    private static List<Tensor> directions(Model m, int k) {
        var blocks = new ArrayList<Tensor>();
        for (Param p : m.params()) {
            Tensor w = p.value();
            blocks.add(Tensor.zeros(w.backend(), w.dtype(), carnot.engine.ops.Shapes.prepend(k, w.shape())));
        }
        return blocks;
    }

    /** The engine's peak live bytes during one product of {@code k} directions, above those live before it. */
    private static long peak(Linearized lin, Model m, int k) {
        try (Scope s = Scope.open()) {
            List<Tensor> blocks = directions(m, k);
            long base = s.resetPeak();
            lin.products(blocks);
            return s.peakBytes() - base;
        }
    }

    @Test
    void replayHoldsLiveTangentsAndOneRulesTemporaries() {
        for (Backend be : new Backend[]{REF, CPU}) {
            try (Scope outer = Scope.open()) {
                Model m = new TinyTransformer(be, DType.F64, 3, 7, 6, 8, 2, 2, 4);
                Hessian h = Hessian.of(m, Loss.CE, TinyTransformer.tokens(be, 5, 6, 7));
                try (Linearized lin = h.linearize()) {
                    int k = 6;
                    peak(lin, m, 1);
                    peak(lin, m, k);
                    long held = outer.liveBytes();
                    for (int j : new int[]{1, k, 1}) {
                        peak(lin, m, j);
                    }
                    assertEquals(held, outer.liveBytes(), be.name() + ": repeated products leave the live bytes"
                            + " where they were (the memoized primal subexpressions do not grow)");
                    long peak = peak(lin, m, k);
                    long live = lin.liveTangentBytes();
                    long rule = lin.ruleBytes();
                    long bound = k * live + rule;
                    assertTrue(peak <= bound, be.name() + ": a replay of " + k + " directions peaked at " + peak
                            + " live bytes; required at most " + bound + " (" + k + " x " + live
                            + " bytes of live tangents + " + rule + " bytes of the largest rule)");
                    assertTrue(rule > 0 && live > 0, be.name() + ": the bound is measured, not zero: " + live + ", " + rule);
                    int p = Math.toIntExact(m.numParams());
                    Tensor v = Tensor.randn(be, DType.F64, 11, 0, 1, k, p);
                    assertArrayEquals(h.applyFlatBatch(v).toDoubles(), lin.applyBatch(v).toDoubles(),
                            be.name() + ": replayed products must equal fresh passes bitwise");
                }
            }
        }
    }

    @Test
    void measuredBytesPerDirectionPredictsALargerBatch() {
        try (Scope outer = Scope.open()) {
            Model m = new TinyTransformer(CPU, DType.F64, 4, 7, 6, 8, 2, 2, 4);
            try (Linearized lin = Hessian.of(m, Loss.CE, TinyTransformer.tokens(CPU, 5, 6, 7)).linearize()) {
                long per = lin.bytesPerDirection();
                long row = m.numParams() * 8;
                long two = peak(lin, m, 2);
                long forty = peak(lin, m, 40);
                long grown = forty - two;
                assertTrue(grown <= 38 * (per - row), "38 more directions added " + grown + " bytes to the peak;"
                        + " the measured " + (per - row) + " per direction must bound that: at most " + 38 * (per - row));
                assertTrue(grown >= 0.9 * 38 * (per - row), "the measured bytes per direction are tight: 38 more"
                        + " directions added " + grown + " bytes; 38 x " + (per - row) + " = " + 38 * (per - row));
                assertEquals(per, lin.bytesPerDirection(), "measured once");
            }
        }
    }
}
