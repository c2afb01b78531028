package carnot.kernels.cuda;

import carnot.kernels.Backend;
import carnot.kernels.BackendSelector;
import carnot.kernels.Buffer;
import carnot.kernels.DType;
import carnot.kernels.HostData;
import carnot.kernels.RefBackend;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** CUDA-specific behaviour: the launcher, error reporting, determinism, the atomic variant and backend selection. */
class CudaEmuTest {

    /** The Philox kernel reproduces the Random123 known-answer vectors (counter = key = 0, and all ones). */
    @Test
    void philoxKernelMatchesRandom123Vectors() {
        try (EmulatedLauncher dev = new EmulatedLauncher(1); Arena arena = Arena.ofConfined()) {
            long out = dev.malloc(32);
            try {
                dev.launch("rng", "philox_raw", Dim3.of(1), Dim3.of(32),
                        new KernelArgs().ptr(out).i64(1).i32(0).i32(0).i32(0).i32(0).i32(0).i32(0));
                int[] zero = read(dev, out, arena);
                assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, zero);
                dev.launch("rng", "philox_raw", Dim3.of(1), Dim3.of(32),
                        new KernelArgs().ptr(out).i64(1).i32(-1).i32(-1).i32(-1).i32(-1).i32(-1).i32(-1));
                assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, read(dev, out, arena));
            } finally {
                dev.free(out);
            }
        }
    }

    private static int[] read(EmulatedLauncher dev, long address, Arena arena) {
        MemorySegment host = arena.allocate(ValueLayout.JAVA_INT, 4);
        dev.copyToHost(address, host, 16);
        return host.toArray(ValueLayout.JAVA_INT);
    }

    /** A launch with an invalid configuration fails with a message naming kernel, grid, block and the cause. */
    @Test
    void badLaunchNamesKernelGridAndBlock() {
        try (EmulatedLauncher dev = new EmulatedLauncher(1)) {
            CudaException e = assertThrows(CudaException.class, () -> dev.launch("elementwise", "unary_f32",
                    Dim3.of(1), Dim3.of(2048), new KernelArgs().i32(0).ptr(0).ptr(0).i64(0)));
            assertTrue(e.getMessage().contains("unary_f32") && e.getMessage().contains("(2048,1,1)")
                    && e.getMessage().contains("at most 1024 threads"), e.getMessage());
            CudaException missing = assertThrows(CudaException.class, () -> dev.launch("gemm", "gemm_f16",
                    Dim3.of(1), Dim3.of(32), new KernelArgs()));
            assertTrue(missing.getMessage().contains("gemm_f16"), missing.getMessage());
        }
    }

    /** Out-of-range indices, foreign buffers, wrong dtypes and use after free throw before anything is written. */
    @Test
    void badInputThrowsAndLeavesOutputUntouched() {
        try (CudaBackend emu = CudaBackend.emulated(); RefBackend ref = new RefBackend()) {
            Buffer table = HostData.upload(emu, new double[] {1, 2, 3, 4});
            Buffer idx = HostData.uploadInts(emu, new int[] {0, 2});
            Buffer out = HostData.upload(emu, new double[] {9, 9, 9, 9});
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> {
                emu.gatherRows(table, 2, 2, idx, 2, out);
                emu.synchronize();
            });
            assertTrue(e.getMessage().contains("idx[1]"), e.getMessage());
            assertArrayEquals(new double[] {9, 9, 9, 9}, HostData.toDoubles(out));
            Buffer foreign = HostData.upload(ref, new double[] {1, 2, 3, 4});
            assertThrows(IllegalArgumentException.class, () -> emu.axpy(4, 1, foreign, out));
            Buffer f32 = emu.alloc(DType.F32, 4);
            assertThrows(IllegalArgumentException.class, () -> emu.axpy(4, 1, f32, out));
            assertThrows(IndexOutOfBoundsException.class, () -> emu.axpy(5, 1, table, out));
            assertArrayEquals(new double[] {9, 9, 9, 9}, HostData.toDoubles(out));
            emu.free(f32);
            emu.free(f32);
            assertThrows(IllegalStateException.class, () -> emu.fill(f32, 0, 1, 0));
            for (Buffer b : new Buffer[] {table, idx, out, foreign}) {
                b.close();
            }
            assertEquals(0, emu.liveBuffers());
        }
    }

    /** Out of device memory is an exception saying how much was requested and what to do; nothing leaks. */
    @Test
    void outOfMemoryIsReportedAndNothingLeaks() {
        try (CudaBackend emu = CudaBackend.emulated()) {
            CudaException e = assertThrows(CudaException.class, () -> emu.alloc(DType.F64, 1L << 50));
            assertTrue(e.getMessage().contains("out of memory") && e.getMessage().contains(String.valueOf(8L << 50)),
                    e.getMessage());
            assertEquals(0, emu.liveBuffers());
        }
    }

    /** A freed buffer's block is reused by the next allocation of its size class, zero-filled again. */
    @Test
    void cachingAllocatorReusesFreedBlocksZeroFilled() {
        assumeFalse("false".equals(System.getProperty(DevicePool.PROPERTY)), "allocator cache turned off");
        try (CudaBackend emu = CudaBackend.emulated()) {
            Buffer a = HostData.upload(emu, new double[] {1, 2, 3});
            long address = a.segment().address();
            a.close();
            assertEquals(DevicePool.blockSize(24), emu.cachedBytes());
            Buffer b = emu.alloc(DType.F64, 5);
            assertEquals(address, b.segment().address(), "same 512-byte block class must be reused");
            assertArrayEquals(new double[5], HostData.toDoubles(b));
            assertEquals(0, emu.cachedBytes());
            b.close();
        }
        assertEquals(512, DevicePool.blockSize(1));
        assertEquals(1L << 20, DevicePool.blockSize(1L << 20));
        assertEquals(2L << 20, DevicePool.blockSize((1L << 20) + 1));
    }

    private static double[] workload(int threads, boolean atomic) {
        try (CudaBackend emu = new CudaBackend(new EmulatedLauncher(threads), "cuda-emu", RefBackend::new, atomic)) {
            int m = 70;
            int k = 90;
            Buffer a = emu.alloc(DType.F32, m * k);
            Buffer c = emu.alloc(DType.F32, m * m);
            emu.normal(a, m * k, 3, 0, 0, 1);
            emu.gemm(false, true, m, m, k, 1, a, 0, k, a, 0, k, 0, c, 0, m);
            emu.softmax(c, c, m, m, true);
            Buffer sums = emu.alloc(DType.F32, m);
            emu.reduce(carnot.kernels.Reduce.SUM, c, sums, 1, m, m);
            Buffer idx = HostData.uploadInts(emu, new int[] {1, 1, 1, 0, 1, 1});
            Buffer table = emu.alloc(DType.F32, 2 * m);
            emu.scatterAddRows(c, idx, 6, m, table, 2);
            double dot = emu.dot((long) m * m, c, c);
            double[] r = new double[3 * m + 1];
            System.arraycopy(HostData.toDoubles(sums), 0, r, 0, m);
            System.arraycopy(HostData.toDoubles(table), 0, r, m, 2 * m);
            r[3 * m] = dot;
            for (Buffer b : new Buffer[] {a, c, sums, idx, table}) {
                b.close();
            }
            return r;
        }
    }

    /** Results are bitwise identical across runs and across 1 or 2 emulator threads (no timing dependence). */
    @Test
    void resultsDoNotDependOnTiming() {
        double[] one = workload(1, false);
        assertArrayEquals(one, workload(2, false));
        assertArrayEquals(one, workload(2, false));
    }

    /** The atomicAdd scatter variant agrees with the deterministic one to rounding. */
    @Test
    void atomicScatterAgreesWithDeterministic() {
        double[] det = workload(2, false);
        double[] atomic = workload(2, true);
        for (int i = 0; i < det.length; i++) {
            assertEquals(det[i], atomic[i], 1e-5 * (1 + Math.abs(det[i])), "element " + i);
        }
    }

    /** Broadcast views drop extent-1 axes and merge axes that are contiguous in both operands. */
    @Test
    void viewWordsMergeContiguousAxes() {
        long[] w = CudaView.words(new int[] {2, 1, 3, 4}, new long[] {12, 0, 4, 1}, 5,
                new long[] {0, 0, 4, 1}, 0);
        assertEquals(2, w[0], "rank after merging");
        assertArrayEquals(new long[] {2, 12}, new long[] {w[1], w[2]});
        assertArrayEquals(new long[] {12, 1}, new long[] {w[9], w[10]});
        assertArrayEquals(new long[] {0, 1}, new long[] {w[17], w[18]});
        assertEquals(5, w[25]);
    }

    /**
     * The deterministic scatter adds each target's sources in ascending i (IndexingRef's order), bitwise, also when
     * the device sort needs two and three 8-bit passes (table rows 2^8 + 1 and 2^16 + 1) over several blocks of 256
     * keys: the sources have magnitudes 2^-20 … 2^20, so any other order changes the f32 bits.
     */
    @Test
    void deterministicScatterAddsInAscendingOrderAcrossSortPasses() {
        try (CudaBackend emu = new CudaBackend(new EmulatedLauncher(2), "cuda-emu", RefBackend::new, false)) {
            java.util.Random rnd = new java.util.Random(4);
            for (int rows : new int[] {257, 65_537}) {
                int n = 700;
                int[] targets = {0, rows / 3, rows / 2, rows - 2, rows - 1};
                int[] idx = new int[n];
                double[] src = new double[n];
                for (int i = 0; i < n; i++) {
                    idx[i] = targets[rnd.nextInt(targets.length)];
                    src[i] = (float) Math.scalb(rnd.nextGaussian(), rnd.nextInt(41) - 20);
                }
                Buffer s = HostData.upload(emu, DType.F32, src);
                Buffer ix = HostData.uploadInts(emu, idx);
                Buffer table = emu.alloc(DType.F32, rows);
                emu.scatterAddRows(s, ix, n, 1, table, rows);
                float[] want = new float[rows];
                for (int i = 0; i < n; i++) {
                    want[idx[i]] += (float) src[i];
                }
                double[] got = HostData.toDoubles(table);
                for (int r = 0; r < rows; r++) {
                    if (Float.floatToRawIntBits(want[r]) != Float.floatToRawIntBits((float) got[r])) {
                        throw new AssertionError("table rows " + rows + ": row " + r + " is " + got[r]
                                + ", the sequential order gives " + want[r]);
                    }
                }
                for (Buffer b : new Buffer[] {s, ix, table}) {
                    b.close();
                }
            }
        }
    }

    /** Selection: names are validated; "cuda-emu" gives the emulated backend; auto falls back with a reason. */
    @Test
    void backendSelection() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> BackendSelector.select("tpu"));
        assertTrue(bad.getMessage().contains("'tpu'") && bad.getMessage().contains("cuda-emu"), bad.getMessage());
        try (Backend b = BackendSelector.select("cuda-emu").backend()) {
            assertEquals("cuda-emu", b.name());
        }
        String why = CudaSupport.unavailableReason();
        BackendSelector.Selection auto = BackendSelector.select("auto");
        try (Backend b = auto.backend()) {
            if (why == null) {
                assertEquals("cuda", b.name());
                assertNull(auto.reason());
            } else {
                assertNotNull(auto.reason());
                assertTrue(auto.reason().contains(why), auto.reason());
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> BackendSelector.select("cuda"));
                assertTrue(e.getMessage().contains(why), e.getMessage());
            }
        }
    }
}
