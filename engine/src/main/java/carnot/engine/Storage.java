package carnot.engine;

import carnot.kernels.Buffer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The buffer behind one or more {@link Tensor} views (reshapes and detached copies share it), and the
 * {@link Scope} that frees it. Package-private: users see tensors and scopes only.
 */
final class Storage {
    private static final AtomicLong LIVE = new AtomicLong();

    final Buffer buffer;
    Scope owner;

    Storage(Buffer buffer) {
        this.buffer = buffer;
        LIVE.incrementAndGet();
        this.owner = Scope.current();
        if (owner != null) {
            owner.adopt(this);
        }
    }

    /** Frees the buffer once; later frees are no-ops. Detaches from the owning scope. */
    void free() {
        if (owner != null) {
            owner.release(this);
            owner = null;
        }
        freeBuffer();
    }

    void freeBuffer() {
        if (!buffer.isFreed()) {
            buffer.owner().free(buffer);
            LIVE.decrementAndGet();
        }
    }

    static long live() {
        return LIVE.get();
    }
}
