package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Reverse-mode API details: gradients with respect to intermediates, unused inputs, scalar checks, zero tangents. */
class AutodiffTest {
    static final Backend BE = new RefBackend();

    @AfterAll
    static void close() {
        BE.close();
    }

    /** For L = sum(tanh(2x)): dL/dh at h = 2x is 1 - tanh(h)^2 and dL/dx = 2 (1 - tanh(2x)^2), in one backward pass. */
    @Test
    void gradientWithRespectToAnIntermediateAndTheLeaf() {
        try (Scope s = Scope.open()) {
            double[] xs = {0.3, -1.2, 0.7};
            Tensor x = Tensor.of(BE, DType.F64, xs, 3).variable();
            Tensor h = x.mul(2);
            Tensor loss = h.tanh().sum();
            List<Tensor> g = Autodiff.grad(loss, List.of(h, x));
            double[] gh = g.get(0).toDoubles();
            double[] gx = g.get(1).toDoubles();
            for (int i = 0; i < 3; i++) {
                double t = Math.tanh(2 * xs[i]);
                assertEquals(1 - t * t, gh[i], 1e-15);
                assertEquals(2 * (1 - t * t), gx[i], 1e-15);
            }
        }
    }

    @Test
    void unusedVariableGetsZeroGradientAndNonScalarIsRejected() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.ones(BE, DType.F64, 2).variable();
            Tensor unused = Tensor.ones(BE, DType.F64, 4).variable();
            List<Tensor> g = Autodiff.grad(x.square().sum(), List.of(x, unused));
            assertEquals(0.0, g.get(1).square().sum().item());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Autodiff.grad(x.square(), List.of(x)));
            assertEquals(true, e.getMessage().contains("scalar"), e.getMessage());
        }
    }

    /** A tensor that depends on no tangent-carrying input has no tangent (symbolic zero), even inside a jvp. */
    @Test
    void symbolicZeroTangents() {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.ones(BE, DType.F64, 3).withTangent(Tensor.ones(BE, DType.F64, 3));
            Tensor b = Tensor.ones(BE, DType.F64, 3);
            assertNull(b.exp().tangent());
            assertEquals(1, a.mul(b).tangentBatch());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> a.add(b.withTangent(Tensor.ones(BE, DType.F64, 2, 3))));
            assertEquals(true, e.getMessage().contains("same batch"), e.getMessage());
        }
    }
}
