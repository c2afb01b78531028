package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/** Freed buffers kept for reuse by exact (backend, dtype, length), owned by an outermost {@link Scope}. */
final class Pool {
    private record Key(Backend backend, DType dtype, long length) {
    }

    private final Map<Key, ArrayDeque<Buffer>> free = new HashMap<>();

    Buffer take(Backend be, DType dt, long n) {
        ArrayDeque<Buffer> q = free.get(new Key(be, dt, n));
        return q == null ? null : q.pollLast();
    }

    void put(Buffer b) {
        free.computeIfAbsent(new Key(b.owner(), b.dtype(), b.length()), k -> new ArrayDeque<>()).addLast(b);
    }

    /** Returns every pooled buffer to its backend. */
    void drain() {
        for (ArrayDeque<Buffer> q : free.values()) {
            for (Buffer b : q) {
                b.owner().free(b);
            }
        }
        free.clear();
    }
}
