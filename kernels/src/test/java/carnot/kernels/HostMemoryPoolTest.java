package carnot.kernels;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HostMemory's reuse of large arenas: bounded by the high-water mark of live bytes, LRU eviction, thread safety. */
class HostMemoryPoolTest {
    static final Backend OWNER = new RefBackend();
    static final DType T = DType.F64;
    /** Lengths whose arenas are large (above 64 KiB in f64). */
    static final long K = 10_000;

    @AfterAll
    static void close() {
        OWNER.close();
    }

    private static void assertBounded(HostMemory m) {
        assertTrue(m.liveBytes() + m.keptLargeBytes() <= m.highWaterBytes(), "live " + m.liveBytes()
                + " + kept " + m.keptLargeBytes() + " must stay within the high-water mark " + m.highWaterBytes());
    }

    /** All of {@code lengths} live at once, then freed in order; checks the bound after every step. */
    private static void pass(HostMemory m, long... lengths) {
        List<Buffer> held = new ArrayList<>();
        for (long n : lengths) {
            held.add(m.allocUninitialized(T, n));
            assertBounded(m);
        }
        for (Buffer b : held) {
            m.free(b);
            assertBounded(m);
        }
    }

    private static long bytes(long... lengths) {
        long s = 0;
        for (long n : lengths) {
            s += n * T.bytes();
        }
        return s;
    }

    @Test
    void aSecondDifferentlySizedPassKeepsNoMoreThanTheHighWater() {
        long[] a = {K, 3 * K, 2 * K, 3 * K / 2 + 7};
        long[] b = {3 * K / 2, 5 * K / 2, 9 * K / 10};
        try (HostMemory m = new HostMemory(OWNER)) {
            pass(m, a);
            assertEquals(bytes(a), m.keptLargeBytes());
            pass(m, b);
            assertEquals(bytes(a), m.highWaterBytes());
            assertTrue(m.keptLargeBytes() < bytes(a) + bytes(b), "kept " + m.keptLargeBytes());
            assertTrue(m.evictedBytes() > 0);
            long fresh = m.freshArenas();
            pass(m, b);
            assertEquals(fresh, m.freshArenas(), "pass B again finds every size kept");
            assertEquals(0, m.liveBytes());
            assertEquals(0, m.liveBuffers());
        }
    }

    @Test
    void steadyRepeatsOfOnePassReuseEveryArenaAndCloseNone() {
        long[] a = {K, 3 * K, 2 * K, K / 2 + 7, 3 * K, 100};
        try (HostMemory m = new HostMemory(OWNER)) {
            pass(m, a);
            assertEquals(a.length, m.freshArenas());
            for (int r = 0; r < 20; r++) {
                pass(m, a);
            }
            assertEquals(a.length, m.freshArenas(), "repeats must reuse");
            assertEquals(0, m.evictedBytes());
            assertEquals(bytes(K, 3 * K, 2 * K, 3 * K), m.keptLargeBytes(), "the small arenas are kept apart");
        }
    }

    @Test
    void closesLeastRecentlyUsedSizesFirst() {
        try (HostMemory m = new HostMemory(OWNER)) {
            Buffer x1 = m.alloc(T, K);
            Buffer x2 = m.alloc(T, K);
            Buffer y = m.alloc(T, K + 8);
            Buffer z = m.alloc(T, K + 16);
            m.free(x1);
            m.free(x2);
            m.free(y);
            m.free(z);
            // x's size is used again (one arena of it stays kept): y's is now the least recently used, then z's
            Buffer x3 = m.alloc(T, K);
            long fresh = m.freshArenas();
            // a fresh 1.5 K next to 1 K live may keep 4 K + 24 - 2.5 K: y's and z's arenas go, x's stays
            Buffer w = m.alloc(T, 3 * K / 2);
            assertEquals(fresh + 1, m.freshArenas());
            assertEquals(bytes(K + 8, K + 16), m.evictedBytes());
            assertEquals(bytes(K), m.keptLargeBytes());
            m.free(m.alloc(T, K));
            assertEquals(fresh + 1, m.freshArenas(), "x's size is still kept");
            m.free(m.alloc(T, K + 8));
            assertEquals(fresh + 2, m.freshArenas(), "y's size was closed");
            m.free(w);
            m.free(x3);
        }
    }

    @Test
    void aReusedArenaIsZeroedByAlloc() {
        try (HostMemory m = new HostMemory(OWNER)) {
            Buffer b = m.alloc(T, K);
            b.segment().fill((byte) 3);
            m.free(b);
            Buffer c = m.alloc(T, K);
            assertEquals(1, m.freshArenas());
            for (long i = 0; i < K; i++) {
                assertEquals(0.0, c.segment().getAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i));
            }
            m.free(c);
        }
    }

    /** Four threads allocate, write, check and free random sizes: no lost or doubly handed-out arena. */
    @Test
    void concurrentAllocationsAndFreesStayConsistent() throws Exception {
        try (HostMemory m = new HostMemory(OWNER); ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = t;
                fs.add(pool.submit(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    List<Buffer> held = new ArrayList<>();
                    for (int i = 0; i < 2000; i++) {
                        if (held.size() < 6 && (held.isEmpty() || r.nextBoolean())) {
                            long n = r.nextBoolean() ? 16 + r.nextInt(64) : K + 8 * r.nextInt(12);
                            Buffer b = m.allocUninitialized(T, n);
                            b.segment().fill((byte) seed);
                            held.add(b);
                        } else {
                            Buffer b = held.remove(r.nextInt(held.size()));
                            long n = b.length();
                            for (long j = 0; j < n; j += 97) {
                                assertEquals((byte) seed, b.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, j * 8),
                                        "an arena was handed out twice");
                            }
                            m.free(b);
                        }
                    }
                    held.forEach(m::free);
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            assertEquals(0, m.liveBytes());
            assertEquals(0, m.liveBuffers());
            assertBounded(m);
        }
    }
}
