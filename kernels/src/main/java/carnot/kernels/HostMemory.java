package carnot.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Off-heap host buffers for CPU backends: every allocation gets its own shared {@link Arena} (so pool threads
 * may touch it) aligned to 64 bytes and zero-filled. Closing a shared arena costs a thread handshake (about
 * 7 us measured), which would dominate small tensors, so {@link #free} keeps arenas of at most
 * {@value #POOL_BYTES} bytes in a small per-size pool (at most {@value #POOL_PER_SIZE} per size) for the next
 * allocation of that size (zero-filled again); larger ones are closed at once, and {@link #close} closes the pool.
 * The freed {@link Buffer} object itself stays dead either way. Also implements the host-side
 * upload/download/copy of the {@link Backend} contract after validation.
 */
public final class HostMemory implements AutoCloseable {
    private static final long ALIGN = 64;
    private static final long POOL_BYTES = 1 << 16;
    private static final int POOL_PER_SIZE = 64;
    private final Backend owner;
    private volatile boolean closed;
    private final ConcurrentHashMap<Buffer, Pooled> arenas = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, java.util.concurrent.ConcurrentLinkedDeque<Pooled>> pool =
            new ConcurrentHashMap<>();

    /** An arena and its segment waiting for reuse. */
    private record Pooled(Arena arena, MemorySegment segment) {
    }

    /** Memory for buffers owned by {@code owner}. */
    public HostMemory(Backend owner) {
        this.owner = owner;
    }

    /** A zero-filled buffer of {@code n} elements of {@code t}. */
    public Buffer alloc(DType t, long n) {
        if (t == null) {
            throw new IllegalArgumentException("alloc: dtype is required; given null");
        }
        Checks.nonNegative("alloc", "length", n);
        if (n > Long.MAX_VALUE / 16) {
            throw new IllegalArgumentException("alloc: length must be < 2^59; given " + n);
        }
        long bytes = n * t.bytes();
        long cap = Math.max(ALIGN, bytes);
        var free = cap <= POOL_BYTES ? pool.get(cap) : null;
        Pooled p = free == null ? null : free.pollFirst();
        if (p == null) {
            Arena arena = Arena.ofShared();
            p = new Pooled(arena, arena.allocate(cap, ALIGN));
        } else {
            p.segment().fill((byte) 0);
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
            if (cap <= POOL_BYTES && !closed) {
                var free = pool.computeIfAbsent(cap, k -> new java.util.concurrent.ConcurrentLinkedDeque<>());
                if (free.size() < POOL_PER_SIZE) {
                    free.addFirst(p);
                    return;
                }
            }
            p.arena().close();
        }
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
        Checks.owned("copy", owner, "src", src);
        Checks.owned("copy", owner, "dst", dst);
        if (src.dtype() != dst.dtype()) {
            throw new IllegalArgumentException("copy: src and dst must share a dtype; given " + src + " and " + dst);
        }
        Checks.range("copy", "src", src, srcOff, n);
        Checks.range("copy", "dst", dst, dstOff, n);
    }
}
