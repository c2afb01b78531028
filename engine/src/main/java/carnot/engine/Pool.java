package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Freed buffers kept for reuse by exact (backend, dtype, length), owned by an outermost {@link Scope}; and the
 * bytes of the tensor buffers allocated under that scope: live (allocated and not yet freed, wherever they are
 * freed), pooled (freed and kept here) and the peak of live since the last {@link #resetPeak}. The counters are
 * this pool's own (one per outermost scope), for callers that size work from measured memory.
 */
final class Pool {
    private record Key(Backend backend, DType dtype, long length) {
    }

    private final Map<Key, ArrayDeque<Buffer>> free = new HashMap<>();
    private long live;
    private long peak;
    private long pooled;

    Buffer take(Backend be, DType dt, long n) {
        ArrayDeque<Buffer> q = free.get(new Key(be, dt, n));
        Buffer b = q == null ? null : q.pollLast();
        if (b != null) {
            pooled -= b.byteSize();
        }
        return b;
    }

    void put(Buffer b) {
        free.computeIfAbsent(new Key(b.owner(), b.dtype(), b.length()), k -> new ArrayDeque<>()).addLast(b);
        pooled += b.byteSize();
    }

    /** Counts {@code bytes} of a buffer allocated (or taken from the pool) under this pool's scope as live. */
    synchronized void allocated(long bytes) {
        live += bytes;
        peak = Math.max(peak, live);
    }

    /** Counts a buffer counted by {@link #allocated} as freed (wherever its memory goes). */
    synchronized void released(long bytes) {
        live -= bytes;
    }

    synchronized long live() {
        return live;
    }

    synchronized long peak() {
        return peak;
    }

    /** Starts a new peak at the live bytes now, and returns them. */
    synchronized long resetPeak() {
        peak = live;
        return live;
    }

    /** Raises the peak back to {@code earlier} if it is higher: ends a nested measurement begun by {@link #resetPeak}. */
    synchronized void restorePeak(long earlier) {
        peak = Math.max(peak, earlier);
    }

    long pooled() {
        return pooled;
    }

    /** Returns every pooled buffer to its backend. */
    void drain() {
        for (ArrayDeque<Buffer> q : free.values()) {
            for (Buffer b : q) {
                b.owner().free(b);
            }
        }
        free.clear();
        pooled = 0;
    }
}
