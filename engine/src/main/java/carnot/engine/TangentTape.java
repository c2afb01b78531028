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
 * <p>The tape is a {@link Tracer} handed to the pass explicitly: {@link #seed} gives the seed tangents that carry
 * it, and every apply whose inputs carry one of its tangents comes to {@link #apply}, which computes it with
 * {@link Tensor#dispatch} and, while recording, logs its primitive, its plain inputs and output, which tangent
 * slots it read and which slot its output tangent fills (that tangent carries the tape on). The tangent of a pass
 * is a linear function of the seed tangents; its coefficients are the primal values, which do not change while
 * the weights stay put. {@link #replay} runs only the logged {@link Primitive#jvp} rules on the kept primal values
 * with new seeds (any batch k): no primal forward or backward is recomputed. The result is the same arithmetic as
 * a fresh pass, so it is bitwise equal to one.
 *
 * <p>During a replay, every rule runs in a scope of its own that frees its temporaries when it returns, and a
 * slot's storage is freed right after its last reader (tracked per storage, since views share one; a tangent
 * nobody reads right after it is made), so the pass holds the live tangents and one rule's temporaries, reusing a
 * few hot buffers from the outermost scope's pool, instead of every intermediate of every rule. The kept primal
 * values carry the tape too, so primal-only subexpressions inside jvp rules (e.g. {@code -2 g y} in the tangent of
 * tanh's backward) reach {@link #apply}: the first replay computes them and later ones reuse them, since tensors
 * are immutable and primitives are pure (an apply is reused when all its inputs are kept primal values or earlier
 * reused ones). Not thread-safe: one pass at a time.
 */
final class TangentTape implements Tracer {
    /** One logged jvp: tangents read from slots {@code tan} (-1 = zero), output tangent into slot {@code result}. */
    private record Entry(Primitive p, Tensor[] in, Tensor out, int[] tan, int result) {
    }

    private final Map<Tensor, Integer> slots = new IdentityHashMap<>();
    private final List<Entry> entries = new ArrayList<>();
    private int seeds = -1;
    private int next;
    private boolean recording = true;
    private boolean replaying;
    private long ruleBytes;
    private long[] entryPeaks = new long[0];
    private long replayBase;
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
     * Computes the apply with {@link Tensor#dispatch}. While recording, an output with a tangent is logged and its
     * tangent carries the tape on; during a replay, an apply without tangents or graph whose inputs all carry the
     * tape (kept primal values, earlier reused ones) is computed once and reused.
     */
    @Override
    public Tensor apply(Primitive p, Tensor[] in) {
        if (replaying) {
            return reuse(p, in);
        }
        Tensor r = Tensor.dispatch(p, in);
        Tensor tan = r.tangent();
        if (!recording || tan == null) {
            return r;
        }
        if (seeds < 0) {
            seeds = next;
        }
        Tensor[] plain = new Tensor[in.length];
        int[] ids = new int[in.length];
        for (int i = 0; i < in.length; i++) {
            plain[i] = in[i].detach();
            ids[i] = in[i].tangent() == null ? -1 : slot(in[i].tangent());
        }
        Tensor traced = tan.traced(this);
        slots.put(traced, next);
        entries.add(new Entry(p, plain, r.detach(), ids, next++));
        return r.withTangent(traced);
    }

    /**
     * A replay's apply: reused when every input is a kept primal or an earlier reused value and the primitive is a
     * record (compared by value, so a later replay finds it), else dispatched. Not kept: a primitive with identity
     * (a class holding tensors; every replay would miss it and the memo would grow by its output each time), and
     * an expansion, an output larger than its inputs (a primal broadcast to the k directions of a batched jvp):
     * cheaper to redo than to hold, and holding it would make the memo grow with every new batch size.
     */
    private Tensor reuse(Primitive p, Tensor[] in) {
        Storage[] st = new Storage[in.length];
        int[][] shapes = new int[in.length][];
        for (int i = 0; i < in.length; i++) {
            Tensor x = in[i];
            if (x.tracer() != this || x.tangent() != null || x.requiresGrad()) {
                return Tensor.dispatch(p, in);
            }
            st[i] = x.storage();
            shapes[i] = x.shape();
        }
        Memo memo = new Memo(this, new MemoKey(p, st, shapes));
        Tensor hit = memo.get();
        if (hit != null) {
            return hit;
        }
        if (!(p instanceof Record)) {
            return Tensor.dispatch(p, in);
        }
        Tensor out = Tensor.dispatch(p, in);
        long inputs = 0;
        for (Tensor x : in) {
            inputs += x.size();
        }
        if (out.size() > inputs) {
            return out;
        }
        out = out.traced(this);
        memo.put(out);
        return out;
    }

    /** Frees the memoized values. */
    void close() {
        for (Storage st : memoStorages) {
            st.unpinAndFree();
        }
        memoStorages.clear();
        memo.clear();
    }

    /** Stops recording (idempotent): the kept primal values now carry the tape, for reuse during replays. */
    void stop() {
        if (!recording) {
            return;
        }
        recording = false;
        if (seeds < 0) {
            seeds = next;
        }
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            Tensor[] in = new Tensor[e.in.length];
            for (int j = 0; j < in.length; j++) {
                in[j] = e.in[j].traced(this);
            }
            entries.set(i, new Entry(e.p, in, e.out.traced(this), e.tan, e.result));
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

    /**
     * Registers the next seed tangent (slots 0, 1, ... in order; all seeds come before any recorded op) and returns
     * it carrying the tape: the pass is recorded from the tensors that carry such seeds.
     */
    Tensor seed(Tensor tangent) {
        if (!entries.isEmpty() || !recording) {
            throw new IllegalStateException("linearize: seeds must be registered before the pass");
        }
        Tensor traced = tangent.traced(this);
        slots.put(traced, next++);
        return traced;
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

    /** Storages of every primal value the replay reads: the logged inputs and outputs, and what their rules hold. */
    private Set<Storage> primalStorages() {
        Set<Storage> out = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Entry e : entries) {
            for (Tensor x : e.in) {
                out.add(x.storage());
            }
            out.add(e.out.storage());
            for (Tensor x : e.p.held()) {
                out.add(x.storage());
            }
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
        replaying = true;
        ruleBytes = 0;
        entryPeaks = new long[entries.size()];
        Scope cur = Scope.current();
        replayBase = cur == null ? 0 : cur.root().pool().live();
        try {
            run(vals, last, keepSlot);
        } finally {
            replaying = false;
        }
        Tensor[] out = new Tensor[wanted.length];
        for (int i = 0; i < wanted.length; i++) {
            out[i] = wanted[i] < 0 ? null : vals[wanted[i]];
        }
        return out;
    }

    /**
     * One logged jvp rule in a scope of its own: the temporaries the rule makes (products, centred values,
     * derivative factors) are freed when it returns, and only its output tangent moves to the caller's scope. A
     * replay so holds the live tangents plus one rule's temporaries at a time, not every temporary of the pass.
     * Notes the rule's own peak (temporaries and output) in {@link #ruleBytes}.
     */
    private Tensor rule(int i, Tensor[] t) {
        Entry e = entries.get(i);
        try (Scope s = Scope.open()) {
            Pool pool = s.root().pool();
            long before = pool.peak();
            long base = pool.resetPeak();
            Tensor r = e.p.jvp(e.in, e.out, t);
            long peak = pool.peak();
            ruleBytes = Math.max(ruleBytes, peak - base);
            entryPeaks[i] = peak - replayBase;
            pool.restorePeak(before);
            return r == null ? null : s.keep(r);
        }
    }

    /** The most bytes one rule of the last replay held at once (its temporaries and its output). */
    long ruleBytes() {
        return ruleBytes;
    }

    /**
     * Per entry of the last replay, the engine's peak live bytes while its rule ran, above those live when the
     * replay began (the live tangents, the rule's temporaries and output); 0 for an entry without tangents. Each is
     * linear in the number of directions, so two replays give each entry's bytes per direction. Meaningful when
     * the replay runs inside a scope (as {@link Linearized}'s products do).
     */
    long[] entryPeaks() {
        return entryPeaks.clone();
    }

    /**
     * Per direction, the most bytes of tangents alive at once during a replay that returns the {@code wanted}
     * slots, by the tape's liveness: a tangent lives from the entry that makes it to its last reader (the wanted
     * ones to the end; one nobody reads only while it is made); the seeds are the caller's and not counted.
     */
    long liveTangentBytes(int[] wanted) {
        int n = entries.size();
        boolean[] kept = new boolean[next];
        for (int w : wanted) {
            if (w >= 0) {
                kept[w] = true;
            }
        }
        long[] delta = new long[n + 1];
        for (int i = 0; i < n; i++) {
            Entry e = entries.get(i);
            long b = e.out.size() * e.out.dtype().bytes();
            int end = kept[e.result] ? n - 1 : Math.max(i, lastUse[e.result]);
            delta[i] += b;
            delta[end + 1] -= b;
        }
        long live = 0;
        long most = 0;
        for (int i = 0; i < n; i++) {
            live += delta[i];
            most = Math.max(most, live);
        }
        return most;
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
            Tensor r = any ? rule(i, t) : null;
            if (r != null) {
                r = r.detach().traced(null);
                int until = keepSlot[e.result] == 1 ? Integer.MAX_VALUE : lastUse[e.result];
                last.merge(r.storage(), until, Math::max);
            }
            vals[e.result] = r;
            for (int s : e.tan) {
                if (s >= 0) {
                    release(vals[s], last, i);
                }
            }
            release(r, last, i);
        }
    }

    /** Frees {@code v} when no entry after {@code i} reads its storage and it is neither a kept primal nor memoized. */
    private void release(Tensor v, Map<Storage, Integer> last, int i) {
        if (v != null && last.getOrDefault(v.storage(), Integer.MAX_VALUE) <= i && !primal.contains(v.storage())
                && !memoStorages.contains(v.storage())) {
            v.close();
        }
    }
}
