package carnot.models;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.ParamVector;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.cuda.CudaBackend;
import carnot.kernels.cuda.EmulatedLauncher;
import carnot.kernels.cuda.Transfers;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A full-batch gradient pass and full Hessian-vector-product passes (one direction, and two directions at once) on
 * the CUDA backend (host emulation) read nothing back: zero device-to-host copies and zero synchronisations until
 * the caller reads a result (the loss: one 8-byte copy; the products: their download; {@code v . Hv} kept on the
 * backend by {@code dotOnBackend}), for an MLP (GELU, then sigmoid; MSE, two chunks) and the small transformer
 * (embedding gather and deterministic scatter, fused attention, GELU, cross-entropy). The HVP passes run the fused
 * activation tangents ({@code gelu_backward_tangent}, {@code sigmoid_backward_tangent}), and the results equal the
 * CPU backend's (f64, relative 1e-10 of the largest entry).
 */
class DeviceResidentPassTest {

    private record Result(double loss, double[] grad, double[] hv, double[] hvBatch) {
    }

    /**
     * Builds the model and data on {@code be}, runs a gradient pass and an HVP pass twice (the first grows the
     * allocator and scratch block), checks the second pair moved nothing to the host, then reads the loss: one
     * 8-byte copy, and with {@code indexChecks} (gathers and scatters in the pass) one more, the pending device
     * index-check slots, read at that synchronisation point.
     */
    private static Result run(carnot.kernels.Backend be, Function<carnot.kernels.Backend, Model> model,
                              Function<carnot.kernels.Backend, DataSet> data, Loss loss, int chunk,
                              boolean indexChecks) {
        try (Scope s = Scope.open()) {
            Model m = model.apply(be);
            DataSet d = data.apply(be);
            ParamVector v = ParamVector.randn(m, 5);
            Tensor vs = Tensor.randn(be, DType.F64, 6, 0, 1, 2, Math.toIntExact(m.numParams()));
            Grad g = null;
            ParamVector hv = null;
            Tensor hvs = null;
            for (int rep = 0; rep < 2; rep++) {
                Transfers before = be instanceof CudaBackend c ? c.transfers() : null;
                g = Grad.of(m, loss, d, chunk);
                hv = Hessian.of(m, loss, d, chunk).apply(v);
                hvs = Hessian.of(m, loss, d, chunk).applyFlatBatch(vs);
                Tensor curvature = v.dotOnBackend(hv);
                if (rep == 1 && be instanceof CudaBackend c) {
                    Transfers pass = c.transfers().minus(before);
                    assertEquals(0, pass.toHost(), "copies to the host in a gradient and two HVP passes: " + pass);
                    assertEquals(0, pass.syncs(), "synchronisations in a gradient and two HVP passes: " + pass);
                    Transfers read = c.transfers();
                    g.loss();
                    Transfers readLoss = c.transfers().minus(read);
                    assertEquals(indexChecks ? 2 : 1, readLoss.toHost(), "reading the loss: " + readLoss);
                    assertEquals(0, readLoss.syncs(), "reading the loss: " + readLoss);
                }
                assertEquals(v.dot(hv), curvature.item(), 0, "v . Hv kept on the backend is the value dot returns");
            }
            return new Result(g.loss(), g.grad().flatten().toDoubles(), hv.flatten().toDoubles(), hvs.toDoubles());
        }
    }

    private static void check(String what, Function<carnot.kernels.Backend, Model> model,
                              Function<carnot.kernels.Backend, DataSet> data, Loss loss, int chunk, boolean indexChecks,
                              String fused) {
        Result got;
        java.util.Set<String> launched;
        try (CudaBackend emu = new CudaBackend(new EmulatedLauncher(0), "cuda-emu", CpuBackend::new, false)) {
            got = run(emu, model, data, loss, chunk, indexChecks);
            assertEquals(0, emu.liveBuffers(), what + ": buffers leaked");
            launched = emu.kernelsLaunched();
        }
        assertTrue(launched.stream().anyMatch(k -> k.endsWith("/" + fused)),
                what + ": the HVP ran " + fused + "; launched " + launched);
        Result want;
        try (CpuBackend cpu = new CpuBackend(1)) {
            want = run(cpu, model, data, loss, chunk, indexChecks);
        }
        assertEquals(want.loss(), got.loss(), 1e-10 * Math.abs(want.loss()), what + " loss");
        close(what + " gradient", want.grad(), got.grad());
        close(what + " HVP", want.hv(), got.hv());
        close(what + " HVP of 2 directions", want.hvBatch(), got.hvBatch());
    }

    private static void close(String what, double[] want, double[] got) {
        double scale = 0;
        for (double w : want) {
            scale = Math.max(scale, Math.abs(w));
        }
        assertTrue(scale > 0, what + " is identically zero");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-10 * scale, what + "[" + i + "]");
        }
    }

    private static Tensor ids(carnot.kernels.Backend be, Random r, int vocab, int... shape) {
        int n = 1;
        for (int x : shape) {
            n *= x;
        }
        int[] d = new int[n];
        for (int i = 0; i < n; i++) {
            d[i] = r.nextInt(vocab);
        }
        return Tensor.indices(be, d, shape);
    }

    @Test
    void mlpPassesReadNothingBack() {
        for (Activation a : new Activation[] {Activation.GELU, Activation.SIGMOID}) {
            check("mlp " + a, be -> new Mlp(be, DType.F64, new int[] {6, 24, 16, 3}, a, true, 7),
                    be -> new ArrayDataSet(Tensor.randn(be, DType.F64, 3, 0, 1, 20, 6),
                            Tensor.randn(be, DType.F64, 3, 1 << 20, 1, 20, 3)), Loss.MSE, 10, false,
                    a == Activation.GELU ? "gelu_backward_tangent_f64" : "sigmoid_backward_tangent_f64");
        }
    }

    @Test
    void transformerPassesReadNothingBack() {
        Transformer.Config c = new Transformer.Config(11, 6, 8, 2, 2, 2);
        check("transformer", be -> new Transformer(be, DType.F64, c, false, 3, true),
                be -> {
                    Random r = new Random(8);
                    return new ArrayDataSet(ids(be, r, 11, 4, 6), ids(be, r, 11, 4, 6));
                }, Loss.CE, 4, true, "gelu_backward_tangent_f64");
    }
}
