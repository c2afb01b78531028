package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Freed buffers kept for reuse by exact (backend, dtype, length), owned by an outermost {@link Scope}; and the
 * bytes of the tensor buffers allocated under that scope (all backends together): live (allocated and not yet freed, wherever they are
 * freed), pooled (freed and kept here), the peak of live since the last {@link #resetPeak}, and the high-water mark
 * of live since the pool was made (never reset). The counters are this pool's own (one per outermost scope), for
 * callers that size work from measured memory.
 *
 * <p>Bound: live + pooled never exceeds the high-water mark of live (plus buffers freed here that this pool did not
 * count as live, until the next miss). A {@link #take} that finds no buffer of the length asked for (a miss, after
 * which the caller allocates {@code n} bytes afresh) first returns pooled buffers to their backend, least recently
 * used (put or taken) lengths first and the oldest buffer of a length first, while
 * {@code live + pooled + n > max(highWater, live + n)}. So a process's tensor memory stays at the most its tensors
 * ever needed at once, not that plus every differently sized buffer it ever freed; a workload whose every request
 * hits (the same sizes every step) never evicts and pays nothing for the bound.
 */
final class Pool {
    private record Key(Backend backend, DType dtype, long length) {
    }

    /** In access order: the first key is the least recently put or taken (a key emptied by a take stays until a trim). */
    private final LinkedHashMap<Key, ArrayDeque<Buffer>> free = new LinkedHashMap<>(16, 0.75f, true);
    private long live;
    private long peak;
    private long highWater;
    private long pooled;
    private long hits;
    private long misses;
    private long evictedBytes;

    /**
     * A pooled buffer of exactly {@code n} elements of {@code dt} on {@code be}, or null (a miss: the caller
     * allocates afresh); on a miss, first evicts pooled buffers so that the fresh allocation keeps live + pooled
     * within the high-water mark of live (or within live + n when that is higher).
     */
    Buffer take(Backend be, DType dt, long n) {
        Key k = new Key(be, dt, n);
        ArrayDeque<Buffer> q = free.get(k);
        Buffer b = q == null ? null : q.pollLast();
        if (b != null) {
            pooled -= b.byteSize();
            hits++;
            return b;
        }
        misses++;
        trim(n * dt.bytes());
        return null;
    }

    /** Evicts pooled buffers, least recently used first, while live + pooled + bytes > max(highWater, live + bytes). */
    private void trim(long bytes) {
        long room;
        synchronized (this) {
            room = Math.max(highWater - live - bytes, 0);
        }
        for (Iterator<Map.Entry<Key, ArrayDeque<Buffer>>> it = free.entrySet().iterator(); pooled > room && it.hasNext(); ) {
            ArrayDeque<Buffer> q = it.next().getValue();
            while (pooled > room && !q.isEmpty()) {
                Buffer b = q.pollFirst();
                pooled -= b.byteSize();
                evictedBytes += b.byteSize();
                b.owner().free(b);
            }
            if (q.isEmpty()) {
                it.remove();
            }
        }
    }

    void put(Buffer b) {
        free.computeIfAbsent(new Key(b.owner(), b.dtype(), b.length()), k -> new ArrayDeque<>()).addLast(b);
        pooled += b.byteSize();
    }

    /** Counts {@code bytes} of a buffer allocated (or taken from the pool) under this pool's scope as live. */
    synchronized void allocated(long bytes) {
        live += bytes;
        peak = Math.max(peak, live);
        highWater = Math.max(highWater, live);
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

    /** The most live bytes since this pool was made ({@link #resetPeak} leaves it alone): the pool's bound. */
    synchronized long highWater() {
        return highWater;
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

    /** Takes that found a pooled buffer. */
    long hits() {
        return hits;
    }

    /** Takes that found none (the caller allocated afresh). */
    long misses() {
        return misses;
    }

    /** Bytes of pooled buffers returned to their backend by the bound (not counting {@link #drain}). */
    long evictedBytes() {
        return evictedBytes;
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
