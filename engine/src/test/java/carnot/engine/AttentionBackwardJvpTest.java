package carnot.engine;

import carnot.engine.ops.AttentionBackward;
import carnot.engine.ops.AttentionBackwardJvp;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import carnot.kernels.cuda.CudaBackend;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fused tangent of attention's backward ({@code AttentionBackward.jvp} through {@link AttentionBackwardJvp}, one
 * backend op for all directions), as a forward-over-reverse pass runs it, equals the Tensor-algebra tangent
 * {@link AttentionBackward#jvpDecomposed} (f64, 1e-12) on the reference, the CPU and the CUDA backend (host
 * emulation): kb = 1 and 3 directions, some tangents absent (passed as zeros), causal Tq = Tk (T = 1, 7, 33 across
 * the 32-key tile, odd dh) and Tq < Tk. {@link AttentionBackwardJvp}'s own jvp and vjp equal those of the decomposed
 * tangent differentiated by the engine to second order, and its jvp equals central finite differences of its
 * forward.
 */
class AttentionBackwardJvpTest {

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

    /** The gradients [dq, dk, dv] of attention for output gradient g, flat (what an HVP differentiates). */
    private static Tensor gradients(List<Tensor> xs, double scale) {
        Tensor q = xs.get(0).variable();
        Tensor k = xs.get(1).variable();
        Tensor v = xs.get(2).variable();
        Tensor out = q.attention(k, v, scale);
        List<Tensor> gs = Autodiff.backward(out, xs.get(3), List.of(q, k, v), false);
        return Tensor.concat(0, gs.get(0).reshape(-1), gs.get(1).reshape(-1), gs.get(2).reshape(-1));
    }

    @Test
    void fusedBackwardTangentEqualsDecomposed() {
        int[][][] cases = {{{2, 7, 3, 5}, {2, 7, 3, 5}}, {{1, 1, 2, 3}, {1, 1, 2, 3}}, {{2, 33, 2, 4}, {2, 33, 2, 4}},
                {{1, 3, 2, 5}, {1, 5, 2, 5}}, {{2, 1, 3, 4}, {2, 6, 3, 4}}};
        boolean[][] present = {{true, true, true, true}, {false, true, true, false}, {true, false, false, false},
                {false, false, true, false}, {false, false, false, true}};
        try (Backend ref = new RefBackend(); Backend cpu = new CpuBackend(2); Backend emu = CudaBackend.emulated()) {
            for (Backend be : List.of(ref, cpu, emu)) {
                try (Scope s = Scope.open()) {
                    long seed = 20;
                    for (int[][] c : cases) {
                        int[] qs = c[0];
                        int[] ks = c[1];
                        double scale = 1 / Math.sqrt(qs[3]);
                        Tensor q = rnd(be, seed++, qs);
                        Tensor k = rnd(be, seed++, ks);
                        Tensor v = rnd(be, seed++, ks);
                        Tensor g = rnd(be, seed++, qs);
                        for (int kb : new int[]{1, 3}) {
                            for (boolean[] on : present) {
                                Tensor dq = on[0] ? rnd(be, seed++, batched(kb, qs)) : null;
                                Tensor dk = on[1] ? rnd(be, seed++, batched(kb, ks)) : null;
                                Tensor dv = on[2] ? rnd(be, seed++, batched(kb, ks)) : null;
                                Tensor dg = on[3] ? rnd(be, seed++, batched(kb, qs)) : null;
                                String what = "attention backward tangent on " + be.name() + ", q "
                                        + Arrays.toString(qs) + ", k " + Arrays.toString(ks) + ", kb " + kb
                                        + ", present " + Arrays.toString(on);
                                var fused = Autodiff.jvp(xs -> gradients(xs, scale), List.of(q, k, v, g),
                                        Arrays.asList(dq, dk, dv, dg));
                                Tensor want = AttentionBackward.jvpDecomposed(q, k, v, g, dq, dk, dv, dg, scale);
                                assertEquals(List.of(kb, size(qs) + 2 * size(ks)),
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

    /** The eight inputs q, k, v, g, q', k', v', g' (kb directions) as parts of one flat x, at offsets {@code at}. */
    private static Tensor[] inputs(Tensor x, int[] qs, int[] ks, int kb) {
        int[][] shapes = {qs, ks, ks, qs, batched(kb, qs), batched(kb, ks), batched(kb, ks), batched(kb, qs)};
        Tensor[] in = new Tensor[8];
        int at = 0;
        for (int i = 0; i < 8; i++) {
            in[i] = x.slice(0, at, at + size(shapes[i])).reshape(shapes[i]);
            at += size(shapes[i]);
        }
        return in;
    }

    private static int inputSize(int[] qs, int[] ks, int kb) {
        return (1 + kb) * (2 * size(qs) + 2 * size(ks));
    }

    /**
     * AttentionBackwardJvp applied to q, k, v, g and kb = 2 directions (all parts of one x, so every input varies):
     * value, jvp, vjp and the tangent of the vjp equal those of {@link AttentionBackward#jvpDecomposed}.
     */
    @Test
    void fusedOpEqualsDecomposedToSecondOrder() {
        int[][][] cases = {{{1, 4, 2, 3}, {1, 4, 2, 3}}, {{2, 2, 1, 3}, {2, 5, 1, 3}}};
        try (Backend cpu = new CpuBackend(2); Backend emu = CudaBackend.emulated()) {
            for (Backend be : List.of(FusedOpsTest.BE, cpu, emu)) {
                for (int[][] c : cases) {
                    int[] qs = c[0];
                    int[] ks = c[1];
                    int kb = 2;
                    double scale = 0.7;
                    FusedOpsTest.same(be, "attentionBackwardJvp on " + be.name() + ", q " + Arrays.toString(qs)
                                    + ", k " + Arrays.toString(ks),
                            t -> Tensor.apply(new AttentionBackwardJvp(scale), inputs(t, qs, ks, kb)),
                            t -> {
                                Tensor[] in = inputs(t, qs, ks, kb);
                                return AttentionBackward.jvpDecomposed(in[0], in[1], in[2], in[3], in[4], in[5], in[6],
                                        in[7], scale);
                            }, inputSize(qs, ks, kb));
                }
            }
        }
    }

    /** The jvp of AttentionBackwardJvp (fused part and engine-derived part) against central differences. */
    @Test
    void fusedOpJvpEqualsFiniteDifferences() {
        int[] qs = {1, 3, 2, 3};
        int[] ks = {1, 4, 2, 3};
        int kb = 2;
        double scale = 0.6;
        int n = inputSize(qs, ks, kb);
        Backend be = FusedOpsTest.BE;
        try (Scope s = Scope.open()) {
            Function<Tensor, Tensor> f = t -> Tensor.apply(new AttentionBackwardJvp(scale), inputs(t, qs, ks, kb));
            double[] x = FusedOpsTest.rnd(n, 5);
            double[] d = FusedOpsTest.rnd(n, 6);
            Tensor xt = Tensor.of(be, DType.F64, x, n);
            double[] jvp = Autodiff.jvp(xs -> f.apply(xs.getFirst()), List.of(xt),
                    List.of(Tensor.of(be, DType.F64, d, n))).tangent().toDoubles();
            double eps = 1e-5;
            double[] xp = x.clone();
            double[] xm = x.clone();
            for (int i = 0; i < n; i++) {
                xp[i] += eps * d[i];
                xm[i] -= eps * d[i];
            }
            double[] fp = f.apply(Tensor.of(be, DType.F64, xp, n)).toDoubles();
            double[] fm = f.apply(Tensor.of(be, DType.F64, xm, n)).toDoubles();
            double[] fd = new double[fp.length];
            for (int i = 0; i < fd.length; i++) {
                fd[i] = (fp[i] - fm[i]) / (2 * eps);
            }
            Check.close("attentionBackwardJvp jvp vs central differences", fd, jvp, 1e-8);
        }
    }
}
