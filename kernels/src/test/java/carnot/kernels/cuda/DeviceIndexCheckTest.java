package carnot.kernels.cuda;

import carnot.kernels.Buffer;
import carnot.kernels.HostData;
import carnot.kernels.RefBackend;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Gather and atomic scatter check their indices on the device: no download and no synchronisation per call; a bad
 * index makes the op write nothing and is raised at the next synchronisation point (synchronize, download, dot)
 * with the host check's message, the first failed call in issue order.
 */
class DeviceIndexCheckTest {

    /** The emulator, counting host downloads and synchronisations. */
    private static final class Counting implements KernelLauncher {
        final EmulatedLauncher inner = new EmulatedLauncher(1);
        int downloads;
        int syncs;

        public String description() {
            return "counting " + inner.description();
        }

        public long malloc(long bytes) {
            return inner.malloc(bytes);
        }

        public void free(long address) {
            inner.free(address);
        }

        public void memsetZero(long address, long bytes) {
            inner.memsetZero(address, bytes);
        }

        public void copyToDevice(MemorySegment src, long dst, long bytes) {
            inner.copyToDevice(src, dst, bytes);
        }

        public void copyToHost(long src, MemorySegment dst, long bytes) {
            downloads++;
            inner.copyToHost(src, dst, bytes);
        }

        public void copyOnDevice(long src, long dst, long bytes) {
            inner.copyOnDevice(src, dst, bytes);
        }

        public void launch(String module, String kernel, Dim3 grid, Dim3 block, KernelArgs args) {
            inner.launch(module, kernel, grid, block, args);
        }

        public void synchronize() {
            syncs++;
            inner.synchronize();
        }

        public void close() {
            inner.close();
        }
    }

    @Test
    void gatherChecksOnTheDeviceAndReportsAtSynchronize() {
        Counting l = new Counting();
        try (CudaBackend be = new CudaBackend(l, "cuda-emu", RefBackend::new, false)) {
            Buffer table = HostData.upload(be, new double[] {1, 2, 3, 4, 5, 6});
            Buffer good = HostData.uploadInts(be, new int[] {2, 0, 1, 2});
            Buffer bad = HostData.uploadInts(be, new int[] {0, 1, 7, -1, 9});
            Buffer out = HostData.upload(be, new double[10]);
            int d0 = l.downloads;
            int s0 = l.syncs;
            for (int rep = 0; rep < 3; rep++) {
                be.gatherRows(table, 3, 2, good, 4, out);
            }
            be.gatherRows(table, 3, 2, bad, 5, out);
            assertEquals(d0, l.downloads, "no index download per call");
            assertEquals(s0, l.syncs, "no synchronisation per call");
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, be::synchronize);
            assertEquals("gatherRows: index idx[2] must be in [0, 3); given 7", e.getMessage());
            assertArrayEquals(new double[] {5, 6, 1, 2, 3, 4, 5, 6, 0, 0}, HostData.toDoubles(out),
                    "the failed gather wrote nothing; the good ones did");
            be.gatherRows(table, 3, 2, good, 2, out);
            be.synchronize();
            for (Buffer b : new Buffer[] {table, good, bad, out}) {
                b.close();
            }
        }
    }

    /** The deterministic scatter sorts its indices on the device: no download, no synchronisation per call. */
    @Test
    void deterministicScatterChecksOnTheDeviceAndReportsAtSynchronize() {
        Counting l = new Counting();
        try (CudaBackend be = new CudaBackend(l, "cuda-emu", RefBackend::new, false)) {
            Buffer table = HostData.upload(be, new double[] {1, 2, 3, 4, 5, 6});
            Buffer good = HostData.uploadInts(be, new int[] {2, 0, 2, 1});
            Buffer bad = HostData.uploadInts(be, new int[] {0, 3, 1, -1});
            Buffer src = HostData.upload(be, new double[] {10, 20, 30, 40, 50, 60, 70, 80});
            int d0 = l.downloads;
            int s0 = l.syncs;
            be.scatterAddRows(src, good, 4, 2, table, 3);
            be.scatterAddRows(src, bad, 4, 2, table, 3);
            assertEquals(d0, l.downloads, "no index download per call");
            assertEquals(s0, l.syncs, "no synchronisation per call");
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, be::synchronize);
            assertEquals("scatterAddRows: index idx[1] must be in [0, 3); given 3", e.getMessage());
            assertArrayEquals(new double[] {31, 42, 73, 84, 65, 86}, HostData.toDoubles(table),
                    "the failed scatter wrote nothing; the good one did");
            for (Buffer b : new Buffer[] {table, good, bad, src}) {
                b.close();
            }
        }
    }

    @Test
    void firstFailedCallInIssueOrderIsReportedAtDownloadOrDot() {
        try (CudaBackend be = new CudaBackend(new EmulatedLauncher(1), "cuda-emu", RefBackend::new, true)) {
            Buffer table = HostData.upload(be, new double[] {1, 2, 3, 4});
            Buffer neg = HostData.uploadInts(be, new int[] {1, -4});
            Buffer big = HostData.uploadInts(be, new int[] {2});
            Buffer src = HostData.upload(be, new double[] {10, 20, 30, 40});
            be.scatterAddRows(src, neg, 2, 2, table, 2);
            be.gatherRows(table, 2, 2, big, 1, src);
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> HostData.toDoubles(table));
            assertEquals("scatterAddRows: index idx[1] must be in [0, 2); given -4", e.getMessage());
            assertArrayEquals(new double[] {1, 2, 3, 4}, HostData.toDoubles(table), "atomic scatter wrote nothing");
            be.gatherRows(table, 2, 2, big, 1, src);
            e = assertThrows(IndexOutOfBoundsException.class, () -> be.dot(4, table, table));
            assertEquals("gatherRows: index idx[0] must be in [0, 2); given 2", e.getMessage());
            assertArrayEquals(new double[] {10, 20, 30, 40}, HostData.toDoubles(src));
            for (Buffer b : new Buffer[] {table, neg, big, src}) {
                b.close();
            }
        }
    }

    @Test
    void moreChecksThanSlotsStillReportTheFirstError() {
        try (CudaBackend be = new CudaBackend(new EmulatedLauncher(1), "cuda-emu", RefBackend::new, false)) {
            Buffer table = HostData.upload(be, new double[] {1, 2});
            Buffer good = HostData.uploadInts(be, new int[] {1});
            Buffer bad = HostData.uploadInts(be, new int[] {0, 0, 0, 5});
            Buffer out = HostData.upload(be, new double[4]);
            for (int i = 0; i < IndexErrors.SLOTS - 1; i++) {
                be.gatherRows(table, 2, 1, good, 1, out);
            }
            be.gatherRows(table, 2, 1, bad, 4, out);
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> be.gatherRows(table, 2, 1, good, 1, out));
            assertEquals("gatherRows: index idx[3] must be in [0, 2); given 5", e.getMessage());
            be.gatherRows(table, 2, 1, good, 1, out);
            be.synchronize();
            assertArrayEquals(new double[] {2, 0, 0, 0}, HostData.toDoubles(out));
            for (Buffer b : new Buffer[] {table, good, bad, out}) {
                b.close();
            }
        }
    }
}
