package carnot.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Deterministic lifetime of tensor memory. Every tensor buffer allocated while a scope is open (on this thread)
 * belongs to the innermost open scope and is freed when that scope closes, unless it was handed to the enclosing
 * scope with {@link #keep(Tensor)}:
 * <pre>{@code
 * try (Scope outer = Scope.open()) {
 *     Tensor w = ...;
 *     for (int step = 0; step < 10_000; step++) {
 *         try (Scope s = Scope.open()) {
 *             Tensor next = w.sub(grad(w).mul(lr));
 *             s.keep(next);          // survives this scope, now owned by outer
 *             w.close();             // the old value is freed right away
 *             w = next;
 *         }
 *     }
 * }
 * }</pre>
 * Scopes nest and must be closed innermost-first. Buffers allocated with no scope open are unmanaged and freed
 * by {@link Tensor#close()}. The current scope is per thread. Buffers freed while scopes are open are pooled
 * by the outermost scope for reuse (same backend, dtype and length) and handed back to the backend when it closes.
 * An outermost scope opened with {@link #openBounded} bounds its pool by the measured need: live + pooled bytes stay
 * within the most live bytes the scope has seen ({@link #highWaterBytes}); an allocation that finds no pooled buffer
 * of its length (or of up to twice it) first hands the least recently used pooled buffers back to the backend until
 * the new buffer fits that bound.
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();

    private final Scope parent;
    private final Scope root;
    private final Pool pool;
    private final Thread thread;
    private final Set<Storage> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    private Scope(Scope parent, boolean bounded) {
        this.parent = parent;
        this.root = parent == null ? this : parent.root;
        this.pool = parent == null ? new Pool(bounded) : null;
        this.thread = Thread.currentThread();
    }

    /** Opens a scope nested in the current one (if any) and makes it current on this thread. */
    public static Scope open() {
        return open(false);
    }

    /**
     * {@link #open}, and when this is an outermost scope its pool is bounded: a request may take a pooled buffer
     * of up to twice its length (through a slice), and before a fresh allocation the least recently used pooled
     * buffers go back to the backend until live + pooled memory fits {@link #highWaterBytes}. For one-off
     * computations whose passes use many sizes (a full Hessian: 1.77x instead of 2.11x the matrix above the model's
     * working set, at a CPU cost); a loop that repeats the same sizes is faster with {@link #open}, which keeps
     * everything. Nested in an open scope it is {@link #open}: the outermost scope's pool serves both.
     */
    public static Scope openBounded() {
        return open(true);
    }

    private static Scope open(boolean bounded) {
        Scope s = new Scope(CURRENT.get(), bounded);
        CURRENT.set(s);
        return s;
    }

    static Scope current() {
        return CURRENT.get();
    }

    /** Number of tensor buffers allocated by the engine and not yet freed (all threads); for leak tests. */
    public static long liveBuffers() {
        return Storage.live();
    }

    /**
     * Bytes of the tensor buffers allocated while this scope's outermost scope is open (on this thread) and not yet
     * freed: the engine's own count of its live tensor memory, per outermost scope.
     */
    public long liveBytes() {
        return root.pool.live();
    }

    /** The most {@link #liveBytes} reached since {@link #resetPeak} (or since the outermost scope opened). */
    public long peakBytes() {
        return root.pool.peak();
    }

    /** Starts a new {@link #peakBytes} at the live bytes now and returns them (a baseline for a measurement). */
    public long resetPeak() {
        return root.pool.resetPeak();
    }

    /**
     * Bytes of freed buffers the outermost scope keeps for reuse (returned to the backend when it closes, or, in a
     * bounded pool, earlier when live + pooled would exceed {@link #highWaterBytes}).
     */
    public long pooledBytes() {
        return root.pool.pooled();
    }

    /**
     * The most {@link #liveBytes} since the outermost scope opened ({@link #resetPeak} leaves it alone): in a
     * bounded pool ({@link #openBounded}), the bound of live + {@link #pooledBytes} kept at every fresh allocation.
     */
    public long highWaterBytes() {
        return root.pool.highWater();
    }

    Scope root() {
        return root;
    }

    Pool pool() {
        return pool;
    }

    void adopt(Storage st) {
        owned.add(st);
    }

    void release(Storage st) {
        owned.remove(st);
    }

    /**
     * Lets {@code t} (its buffer and its tangent's) outlive this scope: ownership moves to the enclosing scope,
     * or to the caller (unmanaged, free with {@link Tensor#close()}) when this is the outermost scope. Buffers
     * owned by other scopes are left alone. Returns {@code t}.
     */
    public Tensor keep(Tensor t) {
        if (closed) {
            throw new IllegalStateException("Scope.keep: scope must be open; it was already closed");
        }
        for (Tensor u = t; u != null; u = u.tangent()) {
            keep(u.storage());
        }
        return t;
    }

    /** Makes {@code st} unmanaged (no scope frees it; its holder calls {@link Storage#free}). */
    static void disown(Storage st) {
        if (st.owner != null) {
            st.owner.release(st);
            st.owner = null;
        }
    }

    /**
     * {@link #keep(Tensor)} for one storage (for a view, the storage it views): when this scope owns it, the
     * enclosing scope (or nobody) does now.
     */
    void keep(Storage view) {
        Storage st = view.holder();
        if (st.owner == this) {
            owned.remove(st);
            st.owner = parent;
            if (parent != null) {
                parent.adopt(st);
            }
        }
    }

    /** Frees every buffer this scope still owns and makes the enclosing scope current again. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("Scope.close: must be called on the thread that opened it ("
                    + thread.getName() + "); called on " + Thread.currentThread().getName());
        }
        if (CURRENT.get() != this) {
            throw new IllegalStateException("Scope.close: scopes must close innermost first; an inner scope is still open");
        }
        closed = true;
        var list = new ArrayList<>(owned);
        owned.clear();
        for (Storage st : list) {
            st.owner = null;
            st.freeBuffer();
        }
        if (parent == null) {
            pool.drain();
        }
        CURRENT.set(parent);
    }
}
