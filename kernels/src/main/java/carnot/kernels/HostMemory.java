package carnot.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Off-heap host buffers for CPU backends: every allocation gets its own shared {@link Arena} (so pool threads may
 * touch it) aligned to 64 bytes. Two costs dominate a fresh allocation, and {@link #free} avoids both by keeping
 * freed arenas for the next allocation of the same size: closing a shared arena costs a thread handshake (about 7
 * us), and a large new arena costs mmap, page faults and zero-filling (about 1-3 ms for 10 MB, paid by every
 * tensor of a full-batch pass). Arenas of at most {@value #SMALL_BYTES} bytes are kept up to {@value
 * #SMALL_PER_SIZE} per size. Larger ones are kept within two bounds: their total stays within a quarter of the
 * machine's memory (at most 16 GiB; a full-batch HVP pass of a 1M-parameter MLP on 5000 samples has several GiB in
 * flight), and live + kept stays within the high-water mark of live, where live is the bytes of the arenas handed
 * out and not yet freed: an allocation that finds no kept arena of its size (a miss) first closes kept large arenas,
 * least recently used sizes first and the oldest arena of a size first, while {@code live + keptLarge + cap >
 * max(highWater, live + cap)}. So the memory held stays at the most the buffers ever needed at once, not that plus
 * every differently sized buffer ever freed; allocations that always find their size pay nothing for the bound.
 * Anything else is closed at once. {@link #alloc} returns zeros (a reused arena is zero-filled again), {@link
 * #allocUninitialized} skips the fill of a reused arena. The freed {@link Buffer} object stays dead either way;
 * {@link #close} closes the kept arenas. Safe for concurrent allocations and frees. Also implements the host-side
 * upload/download/copy of the {@link Backend} contract after validation.
 */
public final class HostMemory implements AutoCloseable {
    private static final long ALIGN = 64;
    private static final long SMALL_BYTES = 1 << 16;
    private static final int SMALL_PER_SIZE = 64;
    private static final long LARGE_BUDGET = largeBudget();
    private final Backend owner;
    private final boolean poison;
    private volatile boolean closed;
    private final ConcurrentHashMap<Buffer, Pooled> arenas = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, ConcurrentLinkedDeque<Pooled>> small = new ConcurrentHashMap<>();
    /** Kept large arenas by size, in access order (the first size is the least recently kept or reused); guarded by itself. */
    private final LinkedHashMap<Long, ArrayDeque<Pooled>> large = new LinkedHashMap<>(16, 0.75f, true);
    /** Bytes of the arenas in {@link #large}; guarded by {@link #large}. */
    private long largeKept;
    private final AtomicLong live = new AtomicLong();
    private final AtomicLong highWater = new AtomicLong();
    private final AtomicLong fresh = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();

    /** An arena and its segment waiting for reuse. */
    private record Pooled(Arena arena, MemorySegment segment) {
    }

    /** Memory for buffers owned by {@code owner}. */
    public HostMemory(Backend owner) {
        this(owner, false);
    }

    /**
     * Memory for buffers owned by {@code owner}; with {@code poison}, a reused arena handed out by
     * {@link #allocUninitialized} is filled with 0xFF bytes (NaN in f32 and f64), so a kernel that fails to
     * overwrite its output shows up in tests instead of reading stale values.
     */
    public HostMemory(Backend owner, boolean poison) {
        this.owner = owner;
        this.poison = poison;
    }

    /** A zero-filled buffer of {@code n} elements of {@code t}. */
    public Buffer alloc(DType t, long n) {
        return allocate(t, n, true);
    }

    /** A buffer of {@code n} elements of {@code t} whose contents are undefined (zeros when freshly mapped). */
    public Buffer allocUninitialized(DType t, long n) {
        return allocate(t, n, false);
    }

    private Buffer allocate(DType t, long n, boolean zero) {
        if (t == null) {
            throw new IllegalArgumentException("alloc: dtype is required; given null");
        }
        Checks.nonNegative("alloc", "length", n);
        if (n > Long.MAX_VALUE / 16) {
            throw new IllegalArgumentException("alloc: length must be < 2^59; given " + n);
        }
        long bytes = n * t.bytes();
        long cap = Math.max(ALIGN, bytes);
        Pooled p;
        if (cap <= SMALL_BYTES) {
            var free = small.get(cap);
            p = free == null ? null : free.pollFirst();
            countLive(cap);
        } else {
            List<Pooled> out = new ArrayList<>();
            synchronized (large) { // large arenas count as live under the lock, so the bound holds between threads
                p = takeLarge(cap);
                if (p == null) {
                    trimLarge(cap, out);
                }
                countLive(cap);
            }
            for (Pooled q : out) {
                q.arena().close();
            }
        }
        if (p == null) {
            try {
                Arena arena = Arena.ofShared();
                p = new Pooled(arena, arena.allocate(cap, ALIGN));
            } catch (RuntimeException | OutOfMemoryError e) {
                live.addAndGet(-cap);
                throw e;
            }
            fresh.incrementAndGet();
        } else if (zero || poison) {
            p.segment().fill(zero ? (byte) 0 : (byte) -1);
        }
        Buffer b = new Buffer(owner, t, n, p.segment().asSlice(0, bytes), true);
        arenas.put(b, p);
        return b;
    }

    private void countLive(long cap) {
        long now = live.addAndGet(cap);
        highWater.accumulateAndGet(now, Math::max);
    }

    /** A kept large arena of exactly {@code cap} bytes, or null; caller holds the lock of {@link #large}. */
    private Pooled takeLarge(long cap) {
        ArrayDeque<Pooled> q = large.get(cap);
        Pooled p = q == null ? null : q.pollFirst();
        if (p != null) {
            largeKept -= cap;
            if (q.isEmpty()) {
                large.remove(cap);
            }
        }
        return p;
    }

    /**
     * Moves kept large arenas into {@code out} (to be closed outside the lock), least recently used sizes first,
     * while live + keptLarge + cap > max(highWater, live + cap); caller holds the lock of {@link #large}.
     */
    private void trimLarge(long cap, List<Pooled> out) {
        long l = live.get();
        long room = Math.max(highWater.get() - l - cap, 0);
        for (var it = large.entrySet().iterator(); largeKept > room && it.hasNext(); ) {
            ArrayDeque<Pooled> q = it.next().getValue();
            while (largeKept > room && !q.isEmpty()) {
                Pooled p = q.pollLast(); // the oldest of its size (frees push to the front)
                long c = p.segment().byteSize();
                largeKept -= c;
                evicted.addAndGet(c);
                out.add(p);
            }
            if (q.isEmpty()) {
                it.remove();
            }
        }
    }

    /** Releases the buffer's arena; a second free is a no-op; a foreign buffer throws. */
    public void free(Buffer b) {
        if (b == null) {
            throw new IllegalArgumentException("free: buffer is required; given null");
        }
        if (b.owner() != owner) {
            throw new IllegalArgumentException("free: buffer must belong to backend '" + owner.name() + "'; given " + b);
        }
        if (b.markFreed()) {
            Pooled p = arenas.remove(b);
            if (p == null) {
                return;
            }
            long cap = p.segment().byteSize();
            if (cap <= SMALL_BYTES) {
                live.addAndGet(-cap);
                var free = small.get(cap);
                if (!closed && (free == null || free.size() < SMALL_PER_SIZE)) {
                    small.computeIfAbsent(cap, k -> new ConcurrentLinkedDeque<>()).addFirst(p);
                    return;
                }
            } else {
                synchronized (large) {
                    live.addAndGet(-cap);
                    if (!closed && largeKept + cap <= LARGE_BUDGET) {
                        large.computeIfAbsent(cap, k -> new ArrayDeque<>()).addFirst(p);
                        largeKept += cap;
                        return;
                    }
                }
            }
            p.arena().close();
        }
    }

    /** A quarter of the physical memory, at most 16 GiB. */
    private static long largeBudget() {
        return Math.min(quarterOfMemory(), 16L << 30);
    }

    /** A quarter of the machine's physical memory (2 GiB when the JVM cannot tell): the default budget of caches. */
    public static long quarterOfMemory() {
        long total = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os ? os.getTotalMemorySize() : 0;
        return total > 0 ? total / 4 : 2L << 30;
    }

    /** Closes the arenas kept for reuse (live buffers stay valid until freed). */
    @Override
    public void close() {
        closed = true;
        for (var free : small.values()) {
            for (Pooled p = free.pollFirst(); p != null; p = free.pollFirst()) {
                p.arena().close();
            }
        }
        List<Pooled> out = new ArrayList<>();
        synchronized (large) {
            for (ArrayDeque<Pooled> q : large.values()) {
                out.addAll(q);
            }
            large.clear();
            largeKept = 0;
        }
        for (Pooled p : out) {
            p.arena().close();
        }
    }

    /** Bytes of the arenas handed out and not yet freed. */
    long liveBytes() {
        return live.get();
    }

    /** The most {@link #liveBytes} since this memory was made. */
    long highWaterBytes() {
        return highWater.get();
    }

    /** Bytes of the large arenas kept for reuse. */
    long keptLargeBytes() {
        synchronized (large) {
            return largeKept;
        }
    }

    /** Arenas made afresh (allocations that found no kept arena of their size). */
    long freshArenas() {
        return fresh.get();
    }

    /** Bytes of kept large arenas closed by the high-water bound. */
    long evictedBytes() {
        return evicted.get();
    }

    /** Number of live buffers (for leak checks in tests). */
    public int liveBuffers() {
        return arenas.size();
    }

    /** Validated host-to-buffer copy. */
    public void upload(MemorySegment src, Buffer dst, long dstOff, long n) {
        Checks.owned("upload", owner, "dst", dst);
        Checks.host("upload", src, dst.dtype(), n);
        Checks.range("upload", "dst", dst, dstOff, n);
        int w = dst.dtype().bytes();
        MemorySegment.copy(src, 0, dst.segment(), dstOff * w, n * w);
    }

    /** Validated buffer-to-host copy. */
    public void download(Buffer src, long srcOff, MemorySegment dst, long n) {
        Checks.owned("download", owner, "src", src);
        Checks.host("download", dst, src.dtype(), n);
        Checks.range("download", "src", src, srcOff, n);
        int w = src.dtype().bytes();
        MemorySegment.copy(src.segment(), srcOff * w, dst, 0, n * w);
    }

    /** Validated buffer-to-buffer copy (overlap-safe). */
    public void copy(Buffer src, long srcOff, Buffer dst, long dstOff, long n) {
        checkCopy(src, srcOff, dst, dstOff, n);
        int w = src.dtype().bytes();
        MemorySegment.copy(src.segment(), srcOff * w, dst.segment(), dstOff * w, n * w);
    }

    /** The checks of {@link Backend#copy}: both owned and live, same dtype, both ranges inside. */
    public void checkCopy(Buffer src, long srcOff, Buffer dst, long dstOff, long n) {
        Ops.copy(owner, src, srcOff, dst, dstOff, n);
    }
}
