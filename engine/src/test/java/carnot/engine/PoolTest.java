package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The outermost scope's pool: exact-length reuse bounded by the high-water mark of live bytes, LRU eviction. */
class PoolTest {
    static final Backend BE = new RefBackend();
    static final DType T = DType.F64;

    @AfterAll
    static void close() {
        BE.close();
    }

    /** What {@link Storage#allocate} does with the pool. */
    private static Buffer alloc(Pool pool, long n) {
        Buffer b = pool.take(BE, T, n);
        if (b == null) {
            b = BE.allocUninitialized(T, n);
        }
        pool.allocated(b.byteSize());
        return b;
    }

    /** What {@link Storage#freeBuffer} does with the pool. */
    private static void free(Pool pool, Buffer b) {
        pool.released(b.byteSize());
        pool.put(b);
    }

    /** All of {@code lengths} live at once, then freed in order; checks the bound after every step. */
    private static void pass(Pool pool, long... lengths) {
        List<Buffer> held = new ArrayList<>();
        for (long n : lengths) {
            held.add(alloc(pool, n));
            assertBounded(pool);
        }
        for (Buffer b : held) {
            free(pool, b);
            assertBounded(pool);
        }
    }

    private static void assertBounded(Pool pool) {
        if (!pool.bounded()) {
            return;
        }
        assertTrue(pool.held() + pool.pooled() <= pool.highWater(), "held " + pool.held() + " + pooled "
                + pool.pooled() + " must stay within the high-water mark " + pool.highWater());
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
        long[] a = {1000, 1100, 1200, 1300, 1400};
        long[] b = {4000, 300}; // no buffer of A fits them (a fit is at most twice as long)
        Pool pool = new Pool(true);
        pass(pool, a);
        assertEquals(bytes(a), pool.pooled());
        pass(pool, b);
        assertEquals(bytes(a), pool.highWater(), "pass B needs less at once than pass A");
        assertTrue(pool.pooled() <= pool.highWater());
        // unbounded exact-length reuse would keep both passes' buffers
        assertTrue(pool.pooled() < bytes(a) + bytes(b), "pooled " + pool.pooled());
        assertTrue(pool.evictedBytes() > 0);
        // B again: every length is pooled now
        long misses = pool.misses();
        pass(pool, b);
        assertEquals(misses, pool.misses());
        pool.drain();
        assertEquals(0, pool.pooled());
    }

    @Test
    void theDefaultPoolKeepsEveryLengthAndReusesOnlyExactOnes() {
        long[] a = {1000, 1100, 1200, 1300, 1400};
        long[] b = {4000, 300};
        Pool pool = new Pool();
        pass(pool, a);
        pass(pool, b);
        assertEquals(bytes(a) + bytes(b), pool.pooled());
        assertEquals(0, pool.evictedBytes());
        assertNull(pool.take(BE, T, 900), "no best fit");
        pool.drain();
    }

    @Test
    void steadyRepeatsOfOnePassHitEveryTimeAndEvictNothing() {
        long[] a = {1000, 3000, 2000, 500, 3000, 64};
        Pool pool = new Pool(true);
        pass(pool, a);
        assertEquals(a.length, pool.misses());
        for (int r = 0; r < 20; r++) {
            pass(pool, a);
        }
        assertEquals(a.length, pool.misses(), "repeats must not miss");
        assertEquals(20L * a.length, pool.hits());
        assertEquals(0, pool.evictedBytes());
        assertEquals(bytes(a), pool.pooled());
        assertEquals(bytes(a), pool.highWater());
        pool.drain();
    }

    @Test
    void evictsLeastRecentlyUsedLengthsFirst() {
        Pool pool = new Pool(true);
        Buffer x = alloc(pool, 100);
        Buffer y = alloc(pool, 101);
        Buffer z = alloc(pool, 102);
        free(pool, x);
        free(pool, y);
        free(pool, z);
        // x is used again: y is now the least recently used, then z, then x
        Buffer x2 = alloc(pool, 100);
        assertSame(x, x2);
        free(pool, x2);
        // a fresh 150 with nothing live may keep 303 - 150 = 153 elements pooled: y and z go, x stays
        Buffer w = alloc(pool, 150);
        assertTrue(y.isFreed(), "the least recently used length goes first");
        assertTrue(z.isFreed());
        assertFalse(x.isFreed(), "the most recently used length stays");
        assertEquals(bytes(100), pool.pooled());
        assertEquals(bytes(101, 102), pool.evictedBytes());
        assertNotNull(pool.take(BE, T, 100));
        assertNull(pool.take(BE, T, 101));
        BE.free(x);
        free(pool, w);
        pool.drain();
    }

    @Test
    void resetPeakLeavesTheBoundAlone() {
        Pool pool = new Pool(true);
        pass(pool, 4000, 4000);
        assertEquals(0, pool.resetPeak());
        assertEquals(0, pool.peak());
        assertEquals(bytes(4000, 4000), pool.highWater());
        pass(pool, 100);
        assertEquals(bytes(100), pool.peak());
        assertEquals(bytes(4000, 4000), pool.highWater());
        // the bound is the high-water mark, not the reset peak: a fresh 100 evicts one pooled 4000, not both
        assertEquals(bytes(4000), pool.evictedBytes());
        assertEquals(bytes(4000, 100), pool.pooled());
        pool.drain();
    }

    @Test
    void aShorterRequestTakesTheShortestBufferAtMostTwiceItsLength() {
        Pool pool = new Pool(true);
        Buffer x = alloc(pool, 1000);
        Buffer y = alloc(pool, 1300);
        free(pool, y);
        free(pool, x);
        assertSame(x, pool.take(BE, T, 600), "the shortest that fits");
        assertSame(y, pool.take(BE, T, 650));
        free(pool, x);
        assertNull(pool.take(BE, T, 499), "1000 is more than twice 499");
        assertSame(x, pool.take(BE, T, 500));
        BE.free(x);
        BE.free(y);
        pool.drain();
    }

    /** A tensor on part of a longer pooled buffer: right values, the whole buffer counted and returned. */
    @Test
    void aTensorOnABestFitSliceCountsAndReturnsTheWholeBuffer() {
        try (Scope outer = Scope.openBounded()) {
            try (Scope s = Scope.open()) {
                Tensor.full(BE, T, 7.0, 1000).sum().item();
            }
            long pooled = outer.pooledBytes();
            assertTrue(pooled >= bytes(1000), "pooled " + pooled);
            try (Scope s = Scope.open()) {
                Tensor u = Tensor.zeros(BE, T, 600);
                assertEquals(pooled - bytes(1000), outer.pooledBytes(), "the 1000-element buffer serves 600");
                assertEquals(bytes(600), outer.liveBytes(), "live counts the tensor's own bytes");
                assertEquals(0.0, u.square().sum().item(), "zeros on a reused buffer");
                Tensor v = Tensor.full(BE, T, 2.0, 600);
                assertEquals(1200.0, v.sum().item());
            }
            assertEquals(0, outer.liveBytes());
            assertTrue(outer.pooledBytes() >= pooled);
        }
    }

    /** Through tensors and scopes: the outermost scope's counters keep the bound. */
    @Test
    void scopeKeepsLivePlusPooledWithinItsHighWater() {
        try (Scope outer = Scope.openBounded()) {
            for (int round = 0; round < 3; round++) {
                for (int[] shape : new int[][] {{40, 300}, {50, 200}, {7, 900}}) {
                    try (Scope s = Scope.open()) {
                        Tensor u = Tensor.zeros(BE, T, shape);
                        Tensor v = Tensor.zeros(BE, T, shape[1], shape[0]);
                        Tensor w = Tensor.zeros(BE, T, shape[0] + 1, shape[1]);
                        assertEquals(0.0, u.sum().item() + v.sum().item() + w.sum().item());
                    }
                    assertTrue(outer.liveBytes() + outer.pooledBytes() <= outer.highWaterBytes(),
                            "live " + outer.liveBytes() + " + pooled " + outer.pooledBytes() + " within "
                                    + outer.highWaterBytes());
                }
            }
            assertEquals(outer.peakBytes(), outer.highWaterBytes());
        }
    }
}
