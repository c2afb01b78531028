package carnot.kernels.gemm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The native scratch of {@link GemmBlas}'s K split (the partial products of slices 1, 2, ...), owned by one
 * backend: one shared-arena segment that grows to the largest request and is reused by every later split, so a
 * gradient's weight-gradient GEMMs map and fault their scratch once per backend rather than once per call.
 * {@link #close} frees it. Not zeroed between uses: every slice is written with beta = 0 before it is read.
 */
public final class GemmScratch implements AutoCloseable {
    private Arena arena;
    private MemorySegment segment = MemorySegment.NULL;
    private int allocations;
    private boolean closed;

    /** A segment of at least {@code bytes} bytes, 64-byte aligned; valid until the next call or {@link #close}. */
    synchronized MemorySegment take(long bytes) {
        if (closed) {
            throw new IllegalStateException("GEMM scratch is closed (its backend was closed); a K-split product "
                    + "needs " + bytes + " bytes of it");
        }
        if (segment.byteSize() < bytes) {
            if (arena != null) {
                arena.close();
            }
            arena = Arena.ofShared();
            segment = arena.allocate(bytes, 64);
            allocations++;
        }
        return segment;
    }

    /** Native allocations made so far (one per growth). */
    public synchronized int allocations() {
        return allocations;
    }

    /** Bytes currently held. */
    public synchronized long capacity() {
        return segment.byteSize();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (arena != null) {
            arena.close();
            arena = null;
        }
        segment = MemorySegment.NULL;
    }
}
