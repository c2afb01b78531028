package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Freed buffers kept for reuse, owned by an outermost {@link Scope}; and the bytes of the tensor buffers allocated
 * under that scope (all backends together): live (allocated and not yet freed, wherever they are freed), pooled
 * (freed and kept here), the peak of live since the last {@link #resetPeak}, and the high-water mark of live since
 * the pool was made (never reset). The counters are this pool's own (one per outermost scope), for callers that size
 * work from measured memory.
 *
 * <p>Unbounded (the default of {@link Scope#open}): a request takes a pooled buffer of the same backend, dtype and
 * exact length, and every freed buffer stays until the scope closes; a workload that repeats the same sizes (a
 * training loop) reuses everything. Bounded ({@link Scope#openBounded}), as follows.
 *
 * <p>Reuse: a request of n elements takes a pooled buffer of the same backend and dtype of exactly n elements, else
 * the shortest one of at most {@value #FIT} n elements (best fit; the tensor sees its first n elements through a
 * {@link Buffer#slice}, and the whole buffer comes back when it is freed). Live counts the tensor's own bytes, held
 * the memory behind the live tensors (best fits whole).
 *
 * <p>Bound: held + pooled never exceeds the high-water mark of live (plus buffers freed here that this pool did not
 * count, until the next miss). A {@link #take} that finds no buffer (a miss, after which the caller allocates
 * {@code n} bytes afresh) first returns pooled buffers to their backend, least recently used (put or taken) lengths
 * first and the oldest buffer of a length first, while {@code held + pooled + n > max(highWater, held + n)}. So a
 * process's tensor memory stays at the most its tensors ever needed at once, not that plus every differently sized
 * buffer it ever freed; a workload whose requests all hit (the same sizes every step) never evicts and pays nothing
 * for the bound.
 */
final class Pool {
    private record Key(Backend backend, DType dtype, long length) {
    }

    private record Kind(Backend backend, DType dtype) {
    }

    /** In access order: the first key is the least recently put or taken (a key emptied by a take stays until a trim). */
    /** A request of n elements may take a pooled buffer of up to FIT x n elements. */
    static final long FIT = 2;

    /** Whether best fit and the high-water bound apply (else exact-length reuse, nothing evicted before a drain). */
    private final boolean bounded;
    private final LinkedHashMap<Key, ArrayDeque<Buffer>> free = new LinkedHashMap<>(16, 0.75f, true);
    /** The same non-empty queues by length, per backend and dtype, for the best fit. */
    private final Map<Kind, TreeMap<Long, ArrayDeque<Buffer>>> byLength = new HashMap<>();
    private long live;
    /** The memory of the live buffers: live plus the unused tails of best fits. */
    private long held;
    private long peak;
    private long highWater;
    private long pooled;
    private long hits;
    private long misses;
    private long evictedBytes;

    /** An exact-length pool that keeps every freed buffer until {@link #drain}. */
    Pool() {
        this(false);
    }

    /** With {@code bounded}: best fit, and held + pooled kept within the high-water mark of live. */
    Pool(boolean bounded) {
        this.bounded = bounded;
    }

    /**
     * A pooled buffer for {@code n} elements of {@code dt} on {@code be}, or null (a miss: the caller allocates
     * afresh): one of exactly {@code n} elements, else the shortest pooled one of at most {@value #FIT} x {@code n}
     * elements (the caller uses its first {@code n} through a {@link Buffer#slice} and returns the whole buffer).
     * On a miss, first evicts pooled buffers so that the fresh allocation keeps live + pooled within the
     * high-water mark of live (or within live + n when that is higher).
     */
    Buffer take(Backend be, DType dt, long n) {
        Key k = new Key(be, dt, n);
        ArrayDeque<Buffer> q = free.get(k);
        if (bounded && (q == null || q.isEmpty())) {
            TreeMap<Long, ArrayDeque<Buffer>> lengths = byLength.get(new Kind(be, dt));
            Map.Entry<Long, ArrayDeque<Buffer>> e = lengths == null ? null : lengths.higherEntry(n);
            q = e != null && e.getKey() <= FIT * Math.max(n, 1) ? free.get(new Key(be, dt, e.getKey())) : null;
        }
        Buffer b = q == null ? null : q.pollLast();
        if (b != null) {
            if (q.isEmpty()) {
                byLength.get(new Kind(be, dt)).remove(b.length());
            }
            pooled -= b.byteSize();
            hits++;
            return b;
        }
        misses++;
        if (bounded) {
            trim(n * dt.bytes());
        }
        return null;
    }

    /**
     * Evicts pooled buffers, least recently used first, while held + pooled + bytes > max(highWater, held + bytes)
     * (held: the memory of the live buffers, best fits whole).
     */
    private void trim(long bytes) {
        long room;
        synchronized (this) {
            room = Math.max(highWater - held - bytes, 0);
        }
        for (Iterator<Map.Entry<Key, ArrayDeque<Buffer>>> it = free.entrySet().iterator(); pooled > room && it.hasNext(); ) {
            ArrayDeque<Buffer> q = it.next().getValue();
            Buffer b = null;
            while (pooled > room && !q.isEmpty()) {
                b = q.pollFirst();
                pooled -= b.byteSize();
                evictedBytes += b.byteSize();
                b.owner().free(b);
            }
            if (q.isEmpty()) {
                it.remove();
                if (b != null) {
                    byLength.get(new Kind(b.owner(), b.dtype())).remove(b.length());
                }
            }
        }
    }

    void put(Buffer b) {
        ArrayDeque<Buffer> q = free.computeIfAbsent(new Key(b.owner(), b.dtype(), b.length()), k -> new ArrayDeque<>());
        if (q.isEmpty()) {
            byLength.computeIfAbsent(new Kind(b.owner(), b.dtype()), k -> new TreeMap<>()).put(b.length(), q);
        }
        q.addLast(b);
        pooled += b.byteSize();
    }

    /** Counts {@code bytes} of a buffer allocated (or taken from the pool) under this pool's scope as live. */
    void allocated(long bytes) {
        allocated(bytes, bytes);
    }

    /**
     * Counts a tensor buffer of {@code bytes} on {@code held} bytes of memory (more when it is a best fit in a
     * longer pooled buffer) as live.
     */
    synchronized void allocated(long bytes, long held) {
        live += bytes;
        this.held += held;
        peak = Math.max(peak, live);
        highWater = Math.max(highWater, live);
    }

    /** Counts a buffer counted by {@link #allocated} as freed (wherever its memory goes). */
    void released(long bytes) {
        released(bytes, bytes);
    }

    /** Counts a buffer counted by {@link #allocated(long, long)} as freed. */
    synchronized void released(long bytes, long held) {
        live -= bytes;
        this.held -= held;
    }

    synchronized long live() {
        return live;
    }

    /** The memory behind the live buffers (live, plus the unused tails of best fits). */
    synchronized long held() {
        return held;
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

    boolean bounded() {
        return bounded;
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
        byLength.clear();
        pooled = 0;
    }
}
