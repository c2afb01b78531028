package carnot.science.spectral;

import carnot.science.TinyMlp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.ArrayDataSet;
import carnot.engine.GaussNewton;
import carnot.engine.Hessian;
import carnot.engine.LinearOperator;
import carnot.engine.Loss;
import carnot.engine.Param;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Correctness checks on the exact Hessian of a small tanh MLP (P = 4*6+6+6*3+3 = 51, N = 24, MSE):
 * every iterative method against the full Hessian's LAPACK/Jacobi eigenvalues.
 */
class HessianSpectraTest {
    private final Backend be = new RefBackend();
    private Scope scope;
    private TinyMlp model;
    private ArrayDataSet data;
    private double[] exact;

    @BeforeEach
    void setUp() {
        scope = Scope.open();
        model = new TinyMlp(be, DType.F64, 4, 6, 3, 7);
        data = TinyMlp.data(be, DType.F64, 24, 4, 3, 8);
        exact = FullSpectrum.compute(Hessian.of(model, Loss.MSE, data, 24), 16, false).values();
    }

    @AfterEach
    void tearDown() {
        scope.close();
    }

    private static void assertRel(double expect, double actual, double rel, String what) {
        assertEquals(expect, actual, rel * Math.abs(expect), what + ": expected " + expect + " got " + actual);
    }

    /** Lanczos top-5 and bottom-3 equal the full-Hessian eigenvalues to 1e-8 relative in f64. */
    @Test
    void lanczosTopAndBottomMatchFullHessian() {
        Hessian h = Hessian.of(model, Loss.MSE, data, 24);
        Eigen top = Lanczos.topK(h, 5, 1e-7, 500, null);
        Eigen bottom = Lanczos.bottomK(h, 3, 1e-7, 500, null);
        assertTrue(top.converged() && bottom.converged());
        int p = exact.length;
        for (int i = 0; i < 5; i++) {
            assertRel(exact[p - 1 - i], top.values()[i], 1e-8, "top " + i);
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(exact[i], bottom.values()[i], 1e-8 * Math.abs(exact[p - 1]), "bottom " + i);
        }
        assertEquals(5, top.vectors().dim(0));
    }

    /** LOBPCG (batched HVPs) and power iteration agree with the full Hessian. */
    @Test
    void lobpcgAndPowerMatchFullHessian() {
        Hessian h = Hessian.of(model, Loss.MSE, data, 24);
        Eigen lob = Lobpcg.solve(h, 3, Which.LARGEST, 1e-8, 2000, 1, null);
        int p = exact.length;
        for (int i = 0; i < 3; i++) {
            assertRel(exact[p - 1 - i], lob.values()[i], 1e-8, "lobpcg " + i);
        }
        Eigen pow = PowerIteration.solve(h, 1e-9, 5000, 1, null);
        double dominant = Math.abs(exact[p - 1]) >= Math.abs(exact[0]) ? exact[p - 1] : exact[0];
        assertRel(dominant, pow.values()[0], 1e-6, "power");
    }

    /** Warm start from the previous eigenvectors after a small weight change reaches the cold values in fewer HVPs. */
    @Test
    void warmStartConvergesToSameValuesWithFewerProducts() {
        Eigen before = Lanczos.topK(Hessian.of(model, Loss.MSE, data, 24), 1, 1e-8, 500, null);
        for (Param prm : model.params()) {
            prm.set(prm.value().add(Tensor.randn(be, DType.F64, 99, prm.name().hashCode() & 0xffff, 1e-3,
                    prm.shape())));
        }
        Hessian moved = Hessian.of(model, Loss.MSE, data, 24);
        Eigen cold = Lanczos.topK(moved, 1, 1e-8, 500, null);
        Eigen warm = Lanczos.topK(moved, 1, 1e-8, 500, before.vectors());
        assertRel(cold.values()[0], warm.values()[0], 1e-10, "warm vs cold");
        assertTrue(warm.products() < cold.products(), "warm " + warm.products() + " vs cold " + cold.products());
        Eigen lobCold = Lobpcg.solve(moved, 2, Which.LARGEST, 1e-7, 2000, 3, null);
        Eigen lobWarm = Lobpcg.solve(moved, 2, Which.LARGEST, 1e-7, 2000, 3, lobCold.vectors());
        assertTrue(lobWarm.products() < lobCold.products(), "LOBPCG warm " + lobWarm.products() + " vs cold "
                + lobCold.products());
    }

    /** SLQ density integrates to 1; its first two moments match tr(H)/P and tr(H^2)/P within 4 standard errors. */
    @Test
    void slqDensityIntegratesToOneAndMatchesTraces() {
        Hessian h = Hessian.of(model, Loss.MSE, data, 24);
        SpectralDensity d = Slq.density(h, new Slq.Options(40, 20, 20, 5, 4000, 0.005));
        assertEquals(1, d.integral(), 1e-6);
        int p = exact.length;
        for (int pow = 1; pow <= 2; pow++) {
            double tr = 0;
            for (double l : exact) {
                tr += Math.pow(l, pow);
            }
            double[] perProbe = new double[d.nodes().length];
            for (int v = 0; v < perProbe.length; v++) {
                for (int j = 0; j < d.nodes()[v].length; j++) {
                    perProbe[v] += d.weights()[v][j] * Math.pow(d.nodes()[v][j], pow);
                }
            }
            double mean = Arrays.stream(perProbe).average().orElseThrow();
            double sd = Math.sqrt(Arrays.stream(perProbe).map(x -> (x - mean) * (x - mean)).sum() / (perProbe.length - 1));
            assertEquals(mean, d.moment(pow), 1e-12 * Math.abs(mean));
            assertEquals(tr / p, mean, 4 * sd / Math.sqrt(perProbe.length), "moment " + pow);
        }
    }

    /** Hutchinson and Hutch++ agree with the exact trace within 4 reported standard errors. */
    @Test
    void traceEstimatesAgreeWithExactTrace() {
        Hessian h = Hessian.of(model, Loss.MSE, data, 24);
        double tr = Arrays.stream(exact).sum();
        Trace.Estimate hutch = Trace.hutchinson(h, 60, 20, 3);
        assertTrue(Math.abs(hutch.trace() - tr) < 4 * hutch.stdError(), hutch + " vs " + tr);
        Trace.Estimate hpp = Trace.hutchPlusPlus(h, 45, 15, 3);
        assertTrue(Math.abs(hpp.trace() - tr) < 4 * hpp.stdError() + 1e-10 * Math.abs(tr), hpp + " vs " + tr);
    }

    /** The spectrum does not depend on the chunk size (to rounding). */
    @Test
    void independentOfChunk() {
        Eigen a = Lanczos.topK(Hessian.of(model, Loss.MSE, data, 24), 2, 1e-9, 500, null);
        Eigen b = Lanczos.topK(Hessian.of(model, Loss.MSE, data, 5), 2, 1e-9, 500, null);
        for (int i = 0; i < 2; i++) {
            assertRel(a.values()[i], b.values()[i], 1e-11, "chunk 24 vs 5, value " + i);
        }
    }

    /** The per-layer block's eigenvalues are those of the corresponding principal submatrix of the full Hessian. */
    @Test
    void blockSpectrumIsPrincipalSubmatrixSpectrum() {
        Hessian h = Hessian.of(model, Loss.MSE, data, 24);
        BlockOperator block = BlockOperator.ofParams(h, model.params(), "layers.1");
        assertEquals(6 * 3 + 3, block.dim());
        double[][] full = new DenseOperator(FullSpectrum.matrix(h, 16)).toRows();
        int off = 4 * 6 + 6;
        double[][] sub = new double[21][21];
        for (int i = 0; i < 21; i++) {
            System.arraycopy(full[off + i], off, sub[i], 0, 21);
        }
        double[] subEig = FullSpectrum.compute(DenseOperator.of(be, DType.F64, sub), 8, false).values();
        double[] blockEig = FullSpectrum.compute(block, 8, false).values();
        for (int i = 0; i < 21; i++) {
            assertEquals(subEig[i], blockEig[i], 1e-10 * Math.abs(subEig[20]));
        }
        Eigen top = Lanczos.topK(block, 1, 1e-9, 200, null);
        assertRel(subEig[20], top.values()[0], 1e-9, "block top");
    }

    /**
     * Thread count and backend change only rounding: top-2 on the CPU backend with 1 and 2 threads equal the
     * reference backend's to 1e-10 relative; a repeated solve with the same seed is bitwise identical.
     */
    @Test
    void independentOfThreadsAndDeterministic() {
        Eigen ref = Lanczos.topK(Hessian.of(model, Loss.MSE, data, 24), 2, 1e-9, 500, null);
        Eigen again = Lanczos.topK(Hessian.of(model, Loss.MSE, data, 24), 2, 1e-9, 500, null);
        assertEquals(Arrays.toString(ref.values()), Arrays.toString(again.values()));
        for (int threads = 1; threads <= 2; threads++) {
            try (CpuBackend cpu = new CpuBackend(threads); Scope s = Scope.open()) {
                TinyMlp m = new TinyMlp(cpu, DType.F64, 4, 6, 3, 7);
                ArrayDataSet d = TinyMlp.data(cpu, DType.F64, 24, 4, 3, 8);
                Eigen e = Lanczos.topK(Hessian.of(m, Loss.MSE, d, 24), 2, 1e-9, 500, null);
                for (int i = 0; i < 2; i++) {
                    assertRel(ref.values()[i], e.values()[i], 1e-10, threads + " threads, value " + i);
                }
            }
        }
    }

    /**
     * The Gauss-Newton operator (MSE: J^T J / N) is positive semi-definite with rank at most N * outputs, and its
     * Lanczos top eigenvalue equals its full eigendecomposition's.
     */
    @Test
    void gaussNewtonIsPsdAndLanczosMatchesFull() {
        LinearOperator gn = GaussNewton.of(model, Loss.MSE, data, 24);
        double[] all = FullSpectrum.compute(gn, 16, false).values();
        double top = all[all.length - 1];
        assertTrue(all[0] > -1e-12 * top, "smallest GN eigenvalue " + all[0]);
        assertRel(top, Lanczos.topK(gn, 1, 1e-9, 300, null).values()[0], 1e-9, "GN top");
    }

    /** In f32 the top eigenvalue matches the f64 one to f32 accuracy. */
    @Test
    void f32TopEigenvalueMatchesF64() {
        TinyMlp m32 = new TinyMlp(be, DType.F32, 4, 6, 3, 7);
        ArrayDataSet d32 = TinyMlp.data(be, DType.F32, 24, 4, 3, 8);
        Eigen top = Lanczos.topK(Hessian.of(m32, Loss.MSE, d32, 24), 1, 1e-4, 300, null);
        assertRel(exact[exact.length - 1], top.values()[0], 1e-4, "f32 top");
    }
}
