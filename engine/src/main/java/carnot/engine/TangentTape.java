package carnot.engine;

import carnot.engine.ops.Primitive;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tangent half of a forward-over-reverse pass, recorded once and replayed for new directions.
 *
 * <p>While a tape records (on this thread), every {@link Tensor#apply} whose inputs carry tangents logs its
 * primitive, its plain inputs and output, which tangent slots it read and which slot its output tangent fills. The
 * tangent of a pass is a linear function of the seed tangents; its coefficients are the primal values, which do
 * not change while the weights stay put. {@link #replay} runs only the logged {@link Primitive#jvp} rules on the
 * kept primal values with new seeds (any batch k): no primal forward or backward is recomputed. The result is
 * the same arithmetic as a fresh pass, so it is bitwise equal to one.
 *
 * <p>During a replay, a slot's storage is freed right after its last reader (tracked per storage, since views
 * share one), so the pass reuses a few hot buffers instead of holding every intermediate tangent. Primal-only
 * subexpressions inside jvp rules (e.g. {@code -2 g y} in the tangent of tanh's backward) are computed by the
 * first replay and then memoized: an apply without tangents whose inputs are all kept primal values (or earlier
 * memoized ones) returns the cached result, since tensors are immutable and primitives are pure. Not thread-safe.
 */
final class TangentTape {
    private static final ThreadLocal<TangentTape> CURRENT = new ThreadLocal<>();
    private static final ThreadLocal<TangentTape> REPLAYING = new ThreadLocal<>();

    /** One logged jvp: tangents read from slots {@code tan} (-1 = zero), output tangent into slot {@code result}. */
    private record Entry(Primitive p, Tensor[] in, Tensor out, int[] tan, int result) {
    }

    private final Map<Tensor, Integer> slots = new IdentityHashMap<>();
    private final List<Entry> entries = new ArrayList<>();
    private int seeds = -1;
    private int next;
    private int[] lastUse;
    private Set<Storage> primal;
    private final Map<MemoKey, Tensor> memo = new java.util.HashMap<>();
    private final Set<Storage> memoStorages = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    /** A primal-only apply: the primitive (a record, compared by value) and its inputs' storages and shapes. */
    private record MemoKey(Primitive p, Storage[] storages, int[][] shapes) {
        @Override
        public boolean equals(Object o) {
            if (!(o instanceof MemoKey k) || !p.equals(k.p) || storages.length != k.storages.length) {
                return false;
            }
            for (int i = 0; i < storages.length; i++) {
                if (storages[i] != k.storages[i] || !Arrays.equals(shapes[i], k.shapes[i])) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            int h = p.hashCode();
            for (int i = 0; i < storages.length; i++) {
                h = 31 * h + System.identityHashCode(storages[i]);
                h = 31 * h + Arrays.hashCode(shapes[i]);
            }
            return h;
        }
    }

    /** A memo slot of one primal-only apply during a replay. */
    private record Memo(TangentTape tape, MemoKey key) {
        /** The cached result, or null. */
        Tensor get() {
            return tape.memo.get(key);
        }

        /** Caches {@code out}; a new storage becomes the tape's (freed by {@link TangentTape#close}). */
        void put(Tensor out) {
            Storage st = out.storage();
            if (!tape.primal.contains(st) && !tape.memoStorages.contains(st)) {
                Scope.disown(st);
                st.pin();
                tape.memoStorages.add(st);
            }
            tape.memo.put(key, out);
        }
    }

    /**
     * {@code p.forward(plain)} for an apply without tangents or graph: during a replay on this thread, memoized when
     * every input is a kept primal or an earlier memoized value.
     */
    static Tensor forward(Primitive p, Tensor[] plain) {
        Memo memo = memo(p, plain);
        Tensor hit = memo == null ? null : memo.get();
        if (hit != null) {
            return hit;
        }
        Tensor out = p.forward(plain);
        if (memo != null) {
            memo.put(out);
        }
        return out;
    }

    /** The memo slot of such an apply during a replay on this thread, else null. */
    private static Memo memo(Primitive p, Tensor[] plain) {
        TangentTape t = REPLAYING.get();
        if (t == null) {
            return null;
        }
        Storage[] st = new Storage[plain.length];
        int[][] shapes = new int[plain.length][];
        for (int i = 0; i < plain.length; i++) {
            st[i] = plain[i].storage();
            if (!t.primal.contains(st[i]) && !t.memoStorages.contains(st[i])) {
                return null;
            }
            shapes[i] = plain[i].shape();
        }
        return new Memo(t, new MemoKey(p, st, shapes));
    }

    /** Frees the memoized values. */
    void close() {
        for (Storage st : memoStorages) {
            st.unpinAndFree();
        }
        memoStorages.clear();
        memo.clear();
    }

    /** Starts recording on this thread; seed tangents must be registered with {@link #seed} first. */
    static TangentTape start() {
        if (CURRENT.get() != null) {
            throw new IllegalStateException("linearize: a tangent tape is already recording on this thread");
        }
        TangentTape t = new TangentTape();
        CURRENT.set(t);
        return t;
    }

    /** Stops recording (idempotent for this tape). */
    void stop() {
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
        if (seeds < 0) {
            seeds = next;
        }
        primal = primalStorages();
        lastUse = new int[next];
        Arrays.fill(lastUse, -1);
        for (int i = 0; i < entries.size(); i++) {
            for (int s : entries.get(i).tan) {
                if (s >= 0) {
                    lastUse[s] = i;
                }
            }
        }
    }

    /** Registers the next seed tangent (slots 0, 1, ... in order); all seeds come before any recorded op. */
    void seed(Tensor tangent) {
        if (!entries.isEmpty()) {
            throw new IllegalStateException("linearize: seeds must be registered before the pass");
        }
        slots.put(tangent, next++);
    }

    /** Called by {@link Tensor#apply} after a jvp when a tape is recording. */
    static void record(Primitive p, Tensor[] in, Tensor out, Tensor[] tans, Tensor result) {
        TangentTape t = CURRENT.get();
        if (t != null) {
            t.log(p, in, out, tans, result);
        }
    }

    private void log(Primitive p, Tensor[] in, Tensor out, Tensor[] tans, Tensor result) {
        if (seeds < 0) {
            seeds = next;
        }
        int[] ids = new int[tans.length];
        for (int i = 0; i < tans.length; i++) {
            ids[i] = tans[i] == null ? -1 : slot(tans[i]);
        }
        slots.put(result, next);
        entries.add(new Entry(p, in.clone(), out, ids, next++));
    }

    /** The slot holding {@code tangent}; throws when it was not produced from the seeds. */
    int slot(Tensor tangent) {
        Integer s = slots.get(tangent);
        if (s == null) {
            throw new IllegalStateException("linearize: the pass used a tangent that is not derived from the directions ("
                    + tangent + "); this model cannot be linearized");
        }
        return s;
    }

    /** Storages of every primal value the replay reads. */
    private Set<Storage> primalStorages() {
        Set<Storage> out = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Entry e : entries) {
            for (Tensor x : e.in) {
                out.add(x.storage());
            }
            out.add(e.out.storage());
        }
        return out;
    }

    /** Storages of every primal value the replay reads (after {@link #stop}). */
    Set<Storage> primal() {
        return primal;
    }

    /**
     * Runs the logged jvp rules for new seeds ({@code [k, shape]} per seed slot, same order as registered) and
     * returns the tangents in {@code wanted} slots (null = zero). Intermediate tangents are freed after their
     * last reader; the seeds and the returned tangents are not.
     */
    Tensor[] replay(Tensor[] seedValues, int[] wanted) {
        if (seedValues.length != seeds) {
            throw new IllegalArgumentException("replay: need " + seeds + " seed tangents; given " + seedValues.length);
        }
        Tensor[] vals = new Tensor[next];
        System.arraycopy(seedValues, 0, vals, 0, seeds);
        Map<Storage, Integer> last = new IdentityHashMap<>();
        for (Tensor s : seedValues) {
            if (s != null) {
                last.put(s.storage(), Integer.MAX_VALUE);
            }
        }
        int[] keepSlot = new int[next];
        for (int w : wanted) {
            if (w >= 0) {
                keepSlot[w] = 1;
            }
        }
        REPLAYING.set(this);
        try {
            run(vals, last, keepSlot);
        } finally {
            REPLAYING.remove();
        }
        Tensor[] out = new Tensor[wanted.length];
        for (int i = 0; i < wanted.length; i++) {
            out[i] = wanted[i] < 0 ? null : vals[wanted[i]];
        }
        return out;
    }

    private void run(Tensor[] vals, Map<Storage, Integer> last, int[] keepSlot) {
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            Tensor[] t = new Tensor[e.tan.length];
            boolean any = false;
            for (int j = 0; j < t.length; j++) {
                t[j] = e.tan[j] < 0 ? null : vals[e.tan[j]];
                any |= t[j] != null;
            }
            Tensor r = any ? e.p.jvp(e.in, e.out, t) : null;
            if (r != null) {
                r = r.detach();
                int until = keepSlot[e.result] == 1 ? Integer.MAX_VALUE : lastUse[e.result];
                last.merge(r.storage(), until, Math::max);
            }
            vals[e.result] = r;
            for (int s : e.tan) {
                if (s >= 0 && vals[s] != null && last.getOrDefault(vals[s].storage(), Integer.MAX_VALUE) <= i
                        && !primal.contains(vals[s].storage()) && !memoStorages.contains(vals[s].storage())) {
                    vals[s].close();
                }
            }
        }
    }
}
