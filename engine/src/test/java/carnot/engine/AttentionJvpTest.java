package carnot.engine;

import carnot.engine.ops.Attention;
import carnot.engine.ops.AttentionJvp;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import carnot.kernels.cuda.CudaBackend;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fused attention tangent ({@code Attention.jvp} through {@link AttentionJvp}, one backend op per direction)
 * equals the Tensor-algebra tangent {@link Attention#jvpDecomposed} (f64, 1e-12) on the reference, the CPU and the
 * CUDA backend (host emulation): single and batched directions (kb = 1, 3), some tangents absent, causal Tq = Tk
 * (T = 1, 7, 33, odd dh) and Tq < Tk. {@link AttentionJvp}'s own jvp and vjp (Tensor algebra, for derivatives of
 * the tangent) equal autodiff of the decomposed tangent to second order.
 */
class AttentionJvpTest {

    private static Tensor rnd(Backend be, long seed, int... shape) {
        return Tensor.of(be, DType.F64, FusedOpsTest.rnd(size(shape), seed), shape);
    }

    private static int[] batched(int kb, int[] shape) {
        return carnot.engine.ops.Shapes.prepend(kb, shape);
    }

    private static int size(int[] s) {
        int n = 1;
        for (int d : s) {
            n *= d;
        }
        return n;
    }

    @Test
    void fusedTangentEqualsDecomposed() {
        int[][][] cases = {{{2, 7, 3, 5}, {2, 7, 3, 5}}, {{1, 1, 2, 3}, {1, 1, 2, 3}}, {{2, 33, 2, 4}, {2, 33, 2, 4}},
                {{1, 3, 2, 5}, {1, 5, 2, 5}}, {{2, 1, 3, 4}, {2, 6, 3, 4}}};
        boolean[][] present = {{true, true, true}, {false, true, true}, {true, false, false}, {false, false, true}};
        try (Backend ref = new RefBackend(); Backend cpu = new CpuBackend(2); Backend emu = CudaBackend.emulated()) {
            for (Backend be : List.of(ref, cpu, emu)) {
                try (Scope s = Scope.open()) {
                    long seed = 10;
                    for (int[][] c : cases) {
                        int[] qs = c[0];
                        int[] ks = c[1];
                        double scale = 1 / Math.sqrt(qs[3]);
                        Tensor q = rnd(be, seed++, qs);
                        Tensor k = rnd(be, seed++, ks);
                        Tensor v = rnd(be, seed++, ks);
                        for (int kb : new int[]{1, 3}) {
                            for (boolean[] on : present) {
                                Tensor dq = on[0] ? rnd(be, seed++, batched(kb, qs)) : null;
                                Tensor dk = on[1] ? rnd(be, seed++, batched(kb, ks)) : null;
                                Tensor dv = on[2] ? rnd(be, seed++, batched(kb, ks)) : null;
                                String what = "attention tangent on " + be.name() + ", q " + Arrays.toString(qs)
                                        + ", k " + Arrays.toString(ks) + ", kb " + kb + ", present "
                                        + Arrays.toString(on);
                                var fused = Autodiff.jvp(xs -> xs.get(0).attention(xs.get(1), xs.get(2), scale),
                                        List.of(q, k, v), Arrays.asList(dq, dk, dv));
                                Tensor want = Attention.jvpDecomposed(q, k, v, dq, dk, dv, scale);
                                assertEquals(List.of(kb, qs[0], qs[1], qs[2], qs[3]),
                                        Arrays.stream(fused.tangent().shape()).boxed().toList(), what + " shape");
                                Check.close(what, want.toDoubles(), fused.tangent().toDoubles(), 1e-12);
                            }
                        }
                    }
                }
                assertEquals(0, be instanceof CudaBackend cb ? cb.liveBuffers() : 0, "buffers leaked on " + be.name());
            }
        }
    }

    /**
     * AttentionJvp applied to q, k, v and kb = 2 directions a, b, c (all parts of one x, so every input varies):
     * value, jvp, vjp and the tangent of the vjp equal those of {@link Attention#jvpDecomposed}.
     */
    @Test
    void fusedTangentOpEqualsDecomposedToSecondOrder() {
        int[][][] cases = {{{1, 4, 2, 3}, {1, 4, 2, 3}}, {{2, 2, 1, 3}, {2, 5, 1, 3}}};
        try (Backend cpu = new CpuBackend(2); Backend emu = CudaBackend.emulated()) {
            for (Backend be : List.of(FusedOpsTest.BE, cpu, emu)) {
                for (int[][] c : cases) {
                    int[] qs = c[0];
                    int[] ks = c[1];
                    int kb = 2;
                    int nq = size(qs);
                    int nk = size(ks);
                    double scale = 0.7;
                    int[] at = {0, nq, nq + nk, nq + 2 * nk, nq + 2 * nk + kb * nq, nq + 2 * nk + kb * (nq + nk)};
                    int n = nq + 2 * nk + kb * (nq + 2 * nk);
                    FusedOpsTest.same(be, "attentionJvp on " + be.name() + ", q " + Arrays.toString(qs) + ", k "
                                    + Arrays.toString(ks),
                            t -> Tensor.apply(new AttentionJvp(scale), part(t, at[0], qs), part(t, at[1], ks),
                                    part(t, at[2], ks), part(t, at[3], batched(kb, qs)),
                                    part(t, at[4], batched(kb, ks)), part(t, at[5], batched(kb, ks))),
                            t -> Attention.jvpDecomposed(part(t, at[0], qs), part(t, at[1], ks), part(t, at[2], ks),
                                    part(t, at[3], batched(kb, qs)), part(t, at[4], batched(kb, ks)),
                                    part(t, at[5], batched(kb, ks)), scale), n);
                }
            }
        }
    }

    private static Tensor part(Tensor x, int from, int... shape) {
        int n = size(shape);
        return x.slice(0, from, from + n).reshape(shape);
    }
}
