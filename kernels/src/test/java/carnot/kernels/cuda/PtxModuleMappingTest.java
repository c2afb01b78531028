package carnot.kernels.cuda;

import carnot.kernels.Binary;
import carnot.kernels.Broadcast;
import carnot.kernels.Buffer;
import carnot.kernels.DType;
import carnot.kernels.HostData;
import carnot.kernels.RefBackend;
import carnot.kernels.Reduce;
import carnot.kernels.Unary;
import carnot.kernels.gemm.GemmPrecision;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The GPU path's module mapping: the (module, kernel) pairs that CudaBackend launches — recorded while every op
 * runs on the emulator, both dtypes, all kernel variants — are exactly the entries of the PTX modules that
 * {@link JCudaLauncher} loads (what {@code cuModuleGetFunction} will look up on a GPU): every GPU kernel is
 * reachable and exercised, and none is looked up in the wrong module.
 * Also: without a driver, asking for the GPU backend fails with the reason before JCuda is touched.
 */
class PtxModuleMappingTest {
    private static final Pattern ENTRY = Pattern.compile("\\.entry (\\w+)\\(");

    private static void everyOp(CudaBackend be, DType t) {
        List<Buffer> owned = new ArrayList<>();
        Buffer x = be.alloc(t, 4096);
        Buffer y = be.alloc(t, 4096);
        Buffer z = be.alloc(t, 4096);
        Buffer big = be.alloc(t, 64 * 1100);
        owned.addAll(List.of(x, y, z, big));
        be.normal(x, 4096, 1, 0, 0, 1);
        be.uniform(y, 4096, 2, 0, 0.5, 1);
        be.fill(z, 0, 10, 1);
        be.copy(x, 0, z, 0, 100);
        Buffer other = be.alloc(t == DType.F32 ? DType.F64 : DType.F32, 10);
        owned.add(other);
        be.convert(x, other, 10);
        be.copyStrided(x, new Broadcast(new int[] {4, 8}, new long[] {1, 4}, 0, new long[2], 0), z, 0);
        be.copyStrided(x, new Broadcast(new int[] {4, 8}, new long[] {0, 2}, 0, new long[2], 0), z, 0);
        everyGemm(be, x, y, z, big);
        be.axpy(100, 2, x, z);
        be.dot(100, x, y);
        be.unary(Unary.TANH, x, z, 100);
        be.affine(x, z, 100, 2, 1);
        be.binary(Binary.ADD, x, y, z, Broadcast.of(new int[] {10, 10}, new int[] {10}));
        be.binary(Binary.MUL, x, y, z, Broadcast.of(new int[] {10, 10}, new int[] {10, 10}));
        be.where(x, y, z, z, 100);
        be.tanhBackwardTangent(x, y, x, y, z, 100);
        be.geluBackwardTangent(x, y, x, y, z, 100);
        be.sigmoidBackwardTangent(x, y, x, y, z, 100);
        be.reduce(Reduce.SUM, x, z, 4, 100, 1);
        be.reduce(Reduce.MAX, x, z, 2, 100, 10);
        be.reduce(Reduce.MIN, x, z, 2, 5, 10);
        be.softmax(x, z, 10, 10, true);
        be.softmaxCrossEntropy(x, y, z, 10, 10);
        Buffer mean = be.alloc(t, 10);
        Buffer rstd = be.alloc(t, 10);
        owned.addAll(List.of(mean, rstd));
        be.layerNorm(x, z, mean, rstd, 10, 10, 1e-5);
        be.layerNormBackward(y, x, mean, rstd, z, 10, 10);
        be.attention(x, y, z, big, mean, 1, 2, 5, 5, 3, 0.5);
        be.attentionBackward(x, y, z, big, mean, x, big, big, big, 1, 2, 5, 5, 3, 0.5);
        be.attentionJvp(x, y, z, big, mean, x, y, z, big, 1, 2, 5, 5, 3, 0.5);
        be.attentionBackwardJvp(x, y, z, mean, x, x, y, z, x, big, big, big, 1, 30, 1, 2, 5, 5, 3, 0.5);
        Buffer idx = HostData.uploadInts(be, new int[] {1, 0, 1});
        owned.add(idx);
        be.gatherRows(x, 4, 5, idx, 3, z);
        be.scatterAddRows(x, idx, 3, 5, z, 4);
        be.symmetricEigen(mean, rstd, 3, false);
        Buffer ints = HostData.uploadInts(be, new int[] {1, 2, 3, 4, 5, 6});
        Buffer intsT = be.alloc(DType.I32, 6);
        owned.addAll(List.of(ints, intsT));
        be.fill(ints, 0, 2, 7);
        be.copyStrided(ints, new Broadcast(new int[] {3, 2}, new long[] {1, 3}, 0, new long[2], 0), intsT, 0);
        be.copyStrided(ints, new Broadcast(new int[] {2, 3}, new long[] {0, 2}, 0, new long[2], 0), intsT, 0);
        owned.forEach(Buffer::close);
    }

    /** A GEMM of every transpose pair (one split-K, one batched). */
    private static void everyGemm(CudaBackend be, Buffer x, Buffer y, Buffer z, Buffer big) {
        be.gemm(false, true, 8, 8, 8, 1, x, 0, 8, y, 0, 8, 0, z, 0, 8);
        be.gemm(true, true, 8, 8, 8, 1, x, 0, 8, y, 0, 8, 0, z, 0, 8);
        be.gemm(true, false, 8, 8, 1100, 1, big, 0, 8, big, 0, 8, 0, z, 0, 8);
        be.gemmBatched(false, false, 4, 4, 4, 1, x, 0, 4, 16, y, 0, 4, 16, 0, z, 0, 4, 16, 3);
    }

    /** The GEMM variants of a backend in mode {@code p} on a device of compute capability {@code cc}. */
    private static Set<String> gemmLaunches(int cc, GemmPrecision p, DType t) {
        try (CudaBackend be = new CudaBackend(new EmulatedLauncher(1, cc), "cuda-emu", RefBackend::new, false, p)) {
            Buffer x = be.alloc(t, 4096);
            Buffer y = be.alloc(t, 4096);
            Buffer z = be.alloc(t, 4096);
            Buffer big = be.alloc(t, 64 * 1100);
            everyGemm(be, x, y, z, big);
            List.of(x, y, z, big).forEach(Buffer::close);
            return be.kernelsLaunched();
        }
    }

    private static String ptx(String module) {
        return PtxasReportTest.ptx(module);
    }

    /** Every launched (module, kernel) is a PTX entry of that module, and the modules are the JCuda list. */
    @Test
    void everyLaunchedKernelIsAnEntryOfItsPtxModule() {
        assumeTrue(CudaSupport.kernelsMissingReason() == null, "PTX not built (no nvcc at build time)");
        Set<String> launched = new TreeSet<>();
        for (boolean atomic : new boolean[] {false, true}) {
            try (CudaBackend be = new CudaBackend(new EmulatedLauncher(1, EmulatedLauncher.EMULATED_CAPABILITY),
                    "cuda-emu", RefBackend::new, atomic)) {
                everyOp(be, DType.F32);
                everyOp(be, DType.F64);
                assertEquals(0, be.liveBuffers());
                launched.addAll(be.kernelsLaunched());
            }
        }
        launched.addAll(gemmLaunches(75, GemmPrecision.EXACT, DType.F64));
        launched.addAll(gemmLaunches(80, GemmPrecision.TF32, DType.F32));
        launched.addAll(gemmLaunches(80, GemmPrecision.BF16, DType.F32));
        launched.addAll(gemmLaunches(90, GemmPrecision.TF32, DType.F32));
        launched.addAll(gemmLaunches(90, GemmPrecision.BF16, DType.F32));
        Set<String> entries = new TreeSet<>();
        Matcher m = ENTRY.matcher("");
        List<String> modules = new ArrayList<>(JCudaLauncher.MODULES);
        modules.addAll(JCudaLauncher.SM90A_MODULES);
        for (String module : modules) {
            m.reset(ptx(module));
            while (m.find()) {
                entries.add(module + "/" + m.group(1));
            }
        }
        entries.remove("rng/philox_raw");
        assertEquals(entries, launched, "the ops must launch every GPU kernel (except the philox_raw test hook)");
        for (String mk : launched) {
            String module = mk.substring(0, mk.indexOf('/'));
            String kernel = mk.substring(mk.indexOf('/') + 1);
            assertTrue(modules.contains(module), "module " + module + " is not loaded by JCudaLauncher");
            assertTrue(ptx(module).contains(".entry " + kernel + "("), kernel + " is not an entry of " + module + ".ptx");
        }
    }

    /** Without an NVIDIA driver, the GPU backend fails with the reason and what to do (no UnsatisfiedLinkError). */
    @Test
    void gpuBackendWithoutDriverFailsWithReason() {
        String why = CudaSupport.driverMissingReason();
        assumeTrue(why != null, "a driver is present");
        CudaException e = assertThrows(CudaException.class, () -> CudaBackend.gpu(0));
        assertTrue(e.getMessage().contains("--backend cpu"), e.getMessage());
        assertNotNull(CudaSupport.unavailableReason());
    }
}
