package carnot.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Off-heap host buffers for CPU backends: every allocation gets its own shared {@link Arena} (so pool threads may
 * touch it) aligned to 64 bytes. Two costs dominate a fresh allocation, and {@link #free} avoids both by keeping
 * freed arenas for the next allocation of the same size: closing a shared arena costs a thread handshake (about 7
 * us), and a large new arena costs mmap, page faults and zero-filling (about 1-3 ms for 10 MB, paid by every
 * tensor of a full-batch pass). Arenas of at most {@value #SMALL_BYTES} bytes are kept up to {@value
 * #SMALL_PER_SIZE} per size; larger ones while the kept total stays within a quarter of the machine's memory (at
 * most 16 GiB; a full-batch HVP pass of a 1M-parameter MLP on 5000 samples has several GiB in flight); anything
 * else is closed at once. {@link #alloc} returns zeros (a reused arena is zero-filled again), {@link
 * #allocUninitialized} skips the fill of a reused arena. The freed {@link Buffer} object stays dead either way;
 * {@link #close} closes the kept arenas. Also implements the host-side upload/download/copy of the {@link Backend}
 * contract after validation.
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
    private final ConcurrentHashMap<Long, java.util.concurrent.ConcurrentLinkedDeque<Pooled>> pool =
            new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong largeKept = new java.util.concurrent.atomic.AtomicLong();

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
        var free = pool.get(cap);
        Pooled p = free == null ? null : free.pollFirst();
        if (p == null) {
            Arena arena = Arena.ofShared();
            p = new Pooled(arena, arena.allocate(cap, ALIGN));
        } else {
            if (cap > SMALL_BYTES) {
                largeKept.addAndGet(-cap);
            }
            if (zero || poison) {
                p.segment().fill(zero ? (byte) 0 : (byte) -1);
            }
        }
        Buffer b = new Buffer(owner, t, n, p.segment().asSlice(0, bytes), true);
        arenas.put(b, p);
        return b;
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
            if (!closed && keep(cap)) {
                pool.computeIfAbsent(cap, k -> new java.util.concurrent.ConcurrentLinkedDeque<>()).addFirst(p);
                return;
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

    /** Whether a freed arena of {@code cap} bytes fits the small per-size limit or the large byte budget (reserves it). */
    private boolean keep(long cap) {
        if (cap <= SMALL_BYTES) {
            var free = pool.get(cap);
            return free == null || free.size() < SMALL_PER_SIZE;
        }
        long now = largeKept.addAndGet(cap);
        if (now <= LARGE_BUDGET) {
            return true;
        }
        largeKept.addAndGet(-cap);
        return false;
    }

    /** Closes the arenas kept for reuse (live buffers stay valid until freed). */
    @Override
    public void close() {
        closed = true;
        for (var free : pool.values()) {
            for (Pooled p = free.pollFirst(); p != null; p = free.pollFirst()) {
                p.arena().close();
            }
        }
        largeKept.set(0);
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
