package carnot.kernels;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pool's hand-off: every chunk runs exactly once, failures carry their chunk, close stops the workers. */
class ParallelTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    /**
     * Over thousands of back-to-back calls (the workers poll) and calls after a pause (the workers have parked),
     * every item of every call is visited exactly once, chunk c covers exactly [bound(c), bound(c + 1)), and chunk
     * 0 runs on the caller.
     */
    @Test
    void everyChunkRunsExactlyOnce() {
        assertTimeoutPreemptively(LIMIT, () -> {
            for (int threads = 1; threads <= 4; threads++) {
                try (Parallel par = new Parallel(threads)) {
                    for (int call = 0; call < 3000; call++) {
                        if (call % 500 == 499) {
                            Thread.sleep(5);
                        }
                        long n = 1 + (call * 7919L) % 3000;
                        long grain = 1 + call % 300;
                        long align = call % 3 == 0 ? 1 : 16;
                        checkOneCall(par, n, grain, align);
                    }
                }
            }
        });
    }

    private static void checkOneCall(Parallel par, long n, long grain, long align) {
        int parts = par.chunks(n, grain);
        AtomicIntegerArray visits = new AtomicIntegerArray((int) n);
        AtomicIntegerArray chunkRuns = new AtomicIntegerArray(parts);
        Thread caller = Thread.currentThread();
        AtomicReference<String> wrong = new AtomicReference<>();
        par.forRange(n, grain, align, (from, to) -> {
            int c = chunkOf(from, to, n, parts, align);
            if (c < 0) {
                wrong.set("range [" + from + ", " + to + ") is no chunk of " + parts + " over " + n);
                return;
            }
            chunkRuns.incrementAndGet(c);
            if (c == 0 && from < to && Thread.currentThread() != caller) {
                wrong.set("chunk 0 ran on " + Thread.currentThread().getName());
            }
            for (long i = from; i < to; i++) {
                visits.incrementAndGet((int) i);
            }
        });
        assertEquals(null, wrong.get());
        for (int c = 0; c < parts; c++) {
            assertEquals(1, chunkRuns.get(c), "chunk " + c + " of " + parts + " over " + n);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(1, visits.get(i), "item " + i + " of " + n + " (grain " + grain + ")");
        }
    }

    private static int chunkOf(long from, long to, long n, int parts, long align) {
        for (int c = 0; c < parts; c++) {
            if (Parallel.bound(n, c, parts, align) == from && Parallel.bound(n, c + 1, parts, align) == to) {
                return c;
            }
        }
        return -1;
    }

    /** A worker chunk's failure reaches the caller as the same exception, noting the chunk; the pool stays usable. */
    @Test
    void failuresPropagateWithTheirChunk() {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Parallel par = new Parallel(3)) {
                for (int round = 0; round < 50; round++) {
                    IllegalArgumentException boom = new IllegalArgumentException("chunk body failed");
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> par.forRange(300, 100, 1, (from, to) -> {
                                if (from == 100) {
                                    throw boom;
                                }
                            }));
                    assertSame(boom, e);
                    assertEquals(1, e.getSuppressed().length);
                    String note = e.getSuppressed()[0].getMessage();
                    assertTrue(note.contains("chunk 1 of 3") && note.contains("[100, 200) of 300")
                            && note.contains("worker 1"), note);
                    checkOneCall(par, 300, 100, 1);
                }
                // Several chunks fail: the lowest one is reported (the caller's chunk 0 here), an Error as itself.
                AssertionError first = new AssertionError("first");
                AssertionError e = assertThrows(AssertionError.class, () -> par.forRange(300, 100, 1, (from, to) -> {
                    throw from == 0 ? first : new AssertionError("later");
                }));
                assertSame(first, e);
                assertTrue(e.getSuppressed()[0].getMessage().contains("on the calling thread"));
            }
        });
    }

    /** close() ends every worker thread, and a later call that needs workers is refused with the reason. */
    @Test
    void closeStopsTheWorkers() {
        assertTimeoutPreemptively(LIMIT, () -> {
            Parallel par = new Parallel(4);
            assertEquals(3, par.liveWorkers());
            checkOneCall(par, 1000, 10, 1);
            par.close();
            assertEquals(0, par.liveWorkers());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> par.forRange(1000, 10, 1, (from, to) -> { }));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            long[] one = new long[1];
            par.forRange(5, 10, 1, (from, to) -> one[0] += to - from);
            assertEquals(5, one[0]);
        });
    }

    /** A body calling back into its pool (on the caller or on a worker) runs the inner chunks serially. */
    @Test
    void nestedCallsRunInline() {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Parallel par = new Parallel(2)) {
                AtomicIntegerArray visits = new AtomicIntegerArray(100 * 50);
                par.forRange(100, 10, 1, (from, to) -> {
                    for (long i = from; i < to; i++) {
                        long row = i;
                        par.forRange(50, 5, 1, (f, t) -> {
                            for (long j = f; j < t; j++) {
                                visits.incrementAndGet((int) (row * 50 + j));
                            }
                        });
                    }
                });
                for (int i = 0; i < visits.length(); i++) {
                    assertEquals(1, visits.get(i), "item " + i);
                }
            }
        });
    }

    /** Two threads calling one pool at once are served one call at a time, each call complete. */
    @Test
    void concurrentCallersAreSerialized() {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Parallel par = new Parallel(3)) {
                CountDownLatch start = new CountDownLatch(1);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread[] callers = new Thread[2];
                for (int t = 0; t < callers.length; t++) {
                    callers[t] = new Thread(() -> {
                        try {
                            start.await();
                            for (int call = 0; call < 500; call++) {
                                checkOneCall(par, 600 + call, 50, 1);
                            }
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        }
                    });
                    callers[t].start();
                }
                start.countDown();
                for (Thread t : callers) {
                    t.join();
                }
                assertEquals(null, failure.get());
            }
        });
    }

    /** sum() adds the chunk partials in chunk order: the same bits on every call. */
    @Test
    void sumIsTheChunkOrderSum() {
        try (Parallel par = new Parallel(3)) {
            Parallel.Partial body = (from, to) -> {
                double s = 0;
                for (long i = from; i < to; i++) {
                    s += 1.0 / (i + 1);
                }
                return s;
            };
            int parts = par.chunks(100_000, 1000);
            double expect = 0;
            for (int c = 0; c < parts; c++) {
                expect += body.run(Parallel.bound(100_000, c, parts, 64), Parallel.bound(100_000, c + 1, parts, 64));
            }
            for (int i = 0; i < 100; i++) {
                assertEquals(expect, par.sum(100_000, 1000, 64, body), 0.0);
            }
        }
    }
}
