package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.cuda.CudaBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * End to end through the autodiff engine: the loss, full-batch gradient and a Hessian-vector product of a small
 * MLP (tanh and GELU, MSE and cross-entropy) on the CUDA backend running on the host emulation equal the CPU
 * backend's to dtype tolerance. Parameters and data come from the backends' shared Philox streams, so both
 * sides start from identical numbers.
 */
class CudaEmuEndToEndTest {
    private static Backend cpu;
    private static CudaBackend emu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend(1);
        emu = CudaBackend.emulated();
    }

    @AfterAll
    static void close() {
        emu.close();
        cpu.close();
    }

    private record Result(double loss, double[] grad, double[] hv) {
    }

    private static Result run(Backend be, DType dt, Loss loss, boolean tanh) {
        try (Scope s = Scope.open()) {
            int n = 37;
            int in = 6;
            int classes = 4;
            Model m = new TinyMlp(be, dt, 17, tanh, in, 33, 9, classes);
            Tensor x = Tensor.randn(be, dt, 5, 0, 1, n, in);
            DataSet d;
            if (loss == Loss.MSE) {
                d = new ArrayDataSet(x, Tensor.randn(be, dt, 5, 1_000_000, 1, n, classes));
            } else {
                Random r = new Random(3);
                int[] ids = new int[n];
                for (int i = 0; i < n; i++) {
                    ids[i] = r.nextInt(classes);
                }
                d = new ArrayDataSet(x, Tensor.indices(be, ids, n));
            }
            int p = (int) m.numParams();
            double[] v = new double[p];
            Random r = new Random(9);
            for (int i = 0; i < p; i++) {
                v[i] = r.nextGaussian();
            }
            Grad g = Grad.of(m, loss, d, 16);
            Tensor hv = Hessian.of(m, loss, d, 16).applyFlat(Tensor.of(be, dt, v, p));
            return new Result(g.loss(), g.grad().flatten().toDoubles(), hv.toDoubles());
        }
    }

    private static void close(String what, double[] want, double[] got, double tol) {
        assertEquals(want.length, got.length, what + " length");
        double scale = 0;
        for (double w : want) {
            scale = Math.max(scale, Math.abs(w));
        }
        for (int i = 0; i < want.length; i++) {
            if (!(Math.abs(want[i] - got[i]) <= tol * (scale + Math.abs(want[i])))) {
                fail(what + ": element " + i + " of " + want.length + " is " + got[i] + " on cuda-emu, "
                        + want[i] + " on cpu (tolerance " + tol + " relative to max " + scale + ")");
            }
        }
    }

    /** Loss, gradient and HVP on cuda-emu equal the CPU backend's (f64: 1e-10, f32: 2e-4 of the largest entry). */
    @ParameterizedTest(name = "{0} {1} tanh={2}")
    @CsvSource({"F64, MSE, true", "F64, CE, false", "F32, CE, true", "F32, MSE, false"})
    void gradientAndHvpMatchCpu(DType dt, Loss loss, boolean tanh) {
        Result want = run(cpu, dt, loss, tanh);
        Result got = run(emu, dt, loss, tanh);
        double tol = dt == DType.F64 ? 1e-10 : 2e-4;
        assertEquals(want.loss(), got.loss(), tol * Math.abs(want.loss()), "loss");
        close("gradient " + dt + " " + loss, want.grad(), got.grad(), tol);
        close("Hessian-vector product " + dt + " " + loss, want.hv(), got.hv(), tol);
        assertEquals(0, emu.liveBuffers(), "cuda-emu buffers leaked by the engine");
    }
}
