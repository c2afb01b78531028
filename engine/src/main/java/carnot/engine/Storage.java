package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The buffer behind one or more {@link Tensor} views (reshapes and detached copies share it), and the
 * {@link Scope} that frees it. While a scope is open, freed buffers go to the outermost scope's pool and are
 * reused by later allocations of the same dtype and length (backend allocation can be far slower than the
 * kernels); a bounded pool ({@link Scope#openBounded}) also serves shorter requests through a slice and hands
 * buffers back to the backend when it would exceed the most live bytes it has seen; the outermost scope returns the
 * rest when it closes ({@link Pool}). Package-private.
 */
final class Storage {
    private static final AtomicLong LIVE = new AtomicLong();

    private final Buffer buffer;
    /** The pooled buffer {@link #buffer} is the first elements of (a best fit), or null when it is its own memory. */
    private final Buffer backing;
    private final Storage parent;
    private boolean freed;
    private boolean pinned;
    /** The pool whose live bytes count this buffer (allocated while its outermost scope was open), or null. */
    private Pool counted;
    Scope owner;

    private Storage(Buffer buffer, Buffer backing) {
        this(buffer, backing, null);
    }

    private Storage(Buffer buffer, Storage parent) {
        this(buffer, null, parent);
    }

    private Storage(Buffer buffer, Buffer backing, Storage parent) {
        this.buffer = buffer;
        this.backing = backing;
        this.parent = parent;
        if (parent != null) {
            return; // a view holds no memory: no scope frees it and it is not counted as live
        }
        LIVE.incrementAndGet();
        this.owner = Scope.current();
        if (owner != null) {
            owner.adopt(this);
        }
    }

    /** A new storage of n elements: zero-filled when {@code zero}, else with undefined contents. */
    static Storage allocate(Backend be, DType dt, long n, boolean zero) {
        Scope cur = Scope.current();
        Pool pool = cur == null ? null : cur.root().pool();
        Buffer b = pool == null ? null : pool.take(be, dt, n);
        Buffer backing = null;
        if (b == null) {
            b = zero ? be.alloc(dt, n) : be.allocUninitialized(dt, n);
        } else {
            if (b.length() != n) {
                backing = b;
                b = backing.slice(0, n);
            }
            if (zero && n > 0) {
                be.fill(b, 0, n, 0);
            }
        }
        Storage st = new Storage(b, backing);
        if (pool != null) {
            st.counted = pool;
            pool.allocated(b.byteSize(), (backing != null ? backing : b).byteSize());
        }
        return st;
    }

    /** The storage that owns the memory: this one, or the one a view was made of. */
    Storage holder() {
        return parent != null ? parent : this;
    }

    /**
     * Elements {@code [off, off + n)} of {@code parent} as a storage of their own sharing the memory (a
     * {@link Buffer#slice}): it owns nothing, and using it after its parent was freed throws.
     */
    static Storage view(Storage parent, long off, long n) {
        Storage root = parent.parent != null ? parent.parent : parent;
        return new Storage(parent.buffer().slice(off, n), root);
    }

    /** The buffer; throws naming the tensor storage when it was already freed. */
    Buffer buffer() {
        if (freed || (parent != null && parent.freed)) {
            throw new IllegalStateException("tensor used after free (its scope was closed or it was closed"
                    + (parent != null ? "; or the one it is a view of" : "") + "): " + buffer.dtype() + "[" + buffer.length() + "]");
        }
        return buffer;
    }

    Backend backend() {
        return buffer.owner();
    }

    boolean isFreed() {
        return freed;
    }

    /**
     * Makes {@link #free} a no-op until {@link #unpinAndFree}: for values a {@link Linearized} operator holds, which
     * a primitive's own clean-up of an intermediate (e.g. {@code close()} on a temporary it got from a memo) must
     * not free.
     */
    void pin() {
        pinned = true;
    }

    /** Undoes {@link #pin} and frees. */
    void unpinAndFree() {
        pinned = false;
        free();
    }

    /** Frees the buffer once; later frees are no-ops (also while pinned). Detaches from the owning scope. */
    void free() {
        if (pinned) {
            return;
        }
        if (owner != null) {
            owner.release(this);
            owner = null;
        }
        freeBuffer();
    }

    void freeBuffer() {
        if (freed) {
            return;
        }
        freed = true;
        if (parent != null) {
            buffer.close();
            return;
        }
        LIVE.decrementAndGet();
        Buffer mem = buffer;
        if (backing != null) {
            buffer.close(); // the slice is dead; its memory goes back whole
            mem = backing;
        }
        if (counted != null) {
            counted.released(buffer.byteSize(), mem.byteSize());
            counted = null;
        }
        Scope cur = Scope.current();
        if (cur != null && !mem.isFreed()) {
            cur.root().pool().put(mem);
        } else if (!mem.isFreed()) {
            mem.owner().free(mem);
        }
    }

    static long live() {
        return LIVE.get();
    }
}
