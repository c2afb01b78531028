package carnot.kernels.cuda;

import carnot.kernels.Checks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Index checks done on the device and reported at the host's next synchronisation point, so gather and scatter
 * need no download of their indices and no synchronisation per call. Each checked call gets one zeroed 8-byte slot
 * of a device array of {@link #SLOTS}; the {@code check_indices} kernel (indexing.cu) stores the first bad
 * position i and value v there as {@code (2^31 - 1 - i) << 32 | v} (atomicMax), and the op's kernels, queued after
 * it, write nothing when their slot is set. {@link #checkpoint()} downloads the pending slots (one small copy,
 * which waits for the queued work), zeroes them again and throws {@link Checks#badIndex} for the first failed call in
 * issue order: the same exception and message as the host check.
 */
final class IndexErrors {
    /** Slots per array; the 1025th pending check forces a checkpoint first. */
    static final int SLOTS = 1024;

    private record Pending(String op, int bound) {
    }

    private final KernelLauncher launcher;
    private final List<Pending> pending = new ArrayList<>();
    private long slots;

    IndexErrors(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    /** A zeroed slot for one check of {@code op}'s indices against [0, bound). */
    long slot(String op, int bound) {
        if (slots == 0) {
            slots = launcher.malloc(8L * SLOTS);
            launcher.memsetZero(slots, 8L * SLOTS);
        }
        if (pending.size() == SLOTS) {
            checkpoint();
        }
        pending.add(new Pending(op, bound));
        return slots + 8L * (pending.size() - 1);
    }

    /** Reads the pending slots; throws the first recorded error (in issue order), after clearing them all. */
    void checkpoint() {
        int k = pending.size();
        if (k == 0) {
            return;
        }
        long[] words;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(8L * k, 8);
            launcher.copyToHost(slots, host, 8L * k);
            words = host.toArray(JAVA_LONG);
        }
        List<Pending> calls = List.copyOf(pending);
        pending.clear();
        for (int i = 0; i < k; i++) {
            if (words[i] != 0) {
                launcher.memsetZero(slots, 8L * k);
                long position = 0x7fffffffL - (words[i] >>> 32);
                throw Checks.badIndex(calls.get(i).op(), position, calls.get(i).bound(), (int) words[i]);
            }
        }
    }

    /** Frees the slot array; pending checks are dropped. */
    void release() {
        pending.clear();
        if (slots != 0) {
            launcher.free(slots);
            slots = 0;
        }
    }
}
