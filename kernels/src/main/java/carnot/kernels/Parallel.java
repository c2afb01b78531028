package carnot.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed pool of {@code threads} workers with static partitioning: a range [0, n) is cut into at most
 * {@code threads} contiguous chunks whose bounds depend only on n, the grain and the thread count, so every
 * result (including the order of partial sums) is the same on every run. Chunk 0 runs on the caller, chunk c on
 * worker c.
 *
 * <p>Hand-off: a call publishes one immutable job through a volatile field and wakes only the workers that have a
 * chunk; an idle worker polls for the next job for {@link #SPIN_NANOS} and then parks, so back-to-back kernel
 * calls cost no system call, and an idle pool costs no CPU. The caller, after its own chunk, likewise polls the
 * job's countdown for {@link #SPIN_NANOS} before parking; the worker that finishes last unparks it. No queue, no
 * per-call task objects besides the job.
 *
 * <p>Calls from different threads are serialized. A nested call (a body calling back into its own pool, on the
 * caller or on a worker) runs its chunks one after another on the calling thread, with the same bounds, so it
 * neither deadlocks nor changes a result.
 */
public final class Parallel implements AutoCloseable {
    /** How long an idle worker (or a waiting caller) polls before parking. */
    static final long SPIN_NANOS = 20_000;

    /** Body of a parallel loop over the half-open range [from, to). */
    @FunctionalInterface
    public interface Range {
        void run(long from, long to);
    }

    /** Body of a parallel reduction: chunk {@code c} of the range [from, to) stores its partial in slot c. */
    @FunctionalInterface
    public interface Partial {
        double run(long from, long to);
    }

    private final int threads;
    /** Workers 1 .. threads - 1 (slot 0, the caller's chunk, is empty). */
    private final Worker[] workers;
    private final ReentrantLock calls = new ReentrantLock();
    private volatile Job job;
    private volatile boolean closed;

    /** A pool of {@code threads >= 1} workers (threads - 1 background threads plus the caller). */
    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1; given " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads];
        for (int w = 1; w < threads; w++) {
            workers[w] = new Worker(this, w);
            workers[w].start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Number of chunks for n items when each chunk should hold at least {@code grain} items. */
    public int chunks(long n, long grain) {
        return (int) Math.max(1, Math.min(threads, n / Math.max(1, grain)));
    }

    /** Start of chunk {@code c} of {@code parts} over [0, n), aligned down to {@code align} items. */
    public static long bound(long n, int c, int parts, long align) {
        if (c >= parts) {
            return n;
        }
        long b = (long) ((double) n * c / parts);
        return Math.min(n, b - b % Math.max(1, align));
    }

    /** Runs {@code body} over [0, n) in fixed chunks of at least {@code grain} items, aligned to {@code align}. */
    public void forRange(long n, long grain, long align, Range body) {
        int parts = chunks(n, grain);
        if (parts == 1) {
            body.run(0, n);
            return;
        }
        Thread me = Thread.currentThread();
        if (calls.isHeldByCurrentThread() || (me instanceof Worker w && w.pool == this)) {
            for (int c = 0; c < parts; c++) {
                body.run(bound(n, c, parts, align), bound(n, c + 1, parts, align));
            }
            return;
        }
        calls.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the CPU worker pool is closed (its backend was closed); a parallel "
                        + "call over " + n + " items needs an open pool");
            }
            Job j = new Job(n, parts, align, body, me);
            job = j;
            for (int w = 1; w < parts; w++) {
                workers[w].wake();
            }
            j.run(0);
            j.await();
            j.rethrow();
        } finally {
            calls.unlock();
        }
    }

    /** Sum of the chunk partials of {@code body} over [0, n), added in chunk order (deterministic). */
    public double sum(long n, long grain, long align, Partial body) {
        int parts = chunks(n, grain);
        if (parts == 1) {
            return body.run(0, n);
        }
        double[] partial = new double[parts];
        forRange(parts, 1, 1, (c0, c1) -> {
            for (long c = c0; c < c1; c++) {
                partial[(int) c] = body.run(bound(n, (int) c, parts, align), bound(n, (int) c + 1, parts, align));
            }
        });
        double s = 0;
        for (double p : partial) {
            s += p;
        }
        return s;
    }

    /** Number of worker threads still alive (threads - 1 while open, 0 after {@link #close}). */
    int liveWorkers() {
        int live = 0;
        for (int w = 1; w < threads; w++) {
            live += workers[w].isAlive() ? 1 : 0;
        }
        return live;
    }

    /** Stops the workers and waits for them to exit; later calls that need a worker are refused. */
    @Override
    public void close() {
        closed = true;
        for (int w = 1; w < threads; w++) {
            LockSupport.unpark(workers[w]);
        }
        boolean interrupted = false;
        for (int w = 1; w < threads; w++) {
            while (workers[w].isAlive() && workers[w] != Thread.currentThread()) {
                try {
                    workers[w].join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** One parallel call: its chunks, the countdown of worker chunks and their failures. */
    private static final class Job {
        final long n;
        final int parts;
        final long align;
        final Range body;
        final Thread caller;
        final AtomicInteger pending;
        final Throwable[] errors;
        volatile boolean callerParked;

        Job(long n, int parts, long align, Range body, Thread caller) {
            this.n = n;
            this.parts = parts;
            this.align = align;
            this.body = body;
            this.caller = caller;
            this.pending = new AtomicInteger(parts - 1);
            this.errors = new Throwable[parts];
        }

        /** Runs chunk c; a worker's chunk then counts down and wakes a parked caller when it is the last. */
        void run(int c) {
            try {
                body.run(bound(n, c, parts, align), bound(n, c + 1, parts, align));
            } catch (Throwable e) {
                errors[c] = e;
            } finally {
                if (c > 0 && pending.decrementAndGet() == 0 && callerParked) {
                    LockSupport.unpark(caller);
                }
            }
        }

        /** Returns once every worker chunk has finished (polls, then parks; an interrupt is kept for later). */
        void await() {
            long end = System.nanoTime() + SPIN_NANOS;
            while (pending.get() > 0 && System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            boolean interrupted = false;
            while (pending.get() > 0) {
                callerParked = true;
                if (pending.get() > 0) {
                    LockSupport.park(this);
                }
                interrupted |= Thread.interrupted();
            }
            callerParked = false;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        /** Rethrows the failure of the lowest failed chunk, noting which chunk and thread it came from. */
        void rethrow() {
            for (int c = 0; c < parts; c++) {
                Throwable e = errors[c];
                if (e != null) {
                    e.addSuppressed(new IllegalStateException("in parallel chunk " + c + " of " + parts + ", items ["
                            + bound(n, c, parts, align) + ", " + bound(n, c + 1, parts, align) + ") of " + n
                            + (c == 0 ? ", on the calling thread" : ", on worker " + c)));
                    if (e instanceof RuntimeException re) {
                        throw re;
                    }
                    if (e instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** Worker w: runs chunk w of every job that has one, polls briefly between jobs, then parks. */
    private static final class Worker extends Thread {
        final Parallel pool;
        final int index;
        volatile boolean parked;

        Worker(Parallel pool, int index) {
            super("carnot-cpu");
            this.pool = pool;
            this.index = index;
            setDaemon(true);
        }

        void wake() {
            if (parked) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            Job last = null;
            while (!pool.closed) {
                Job j = pool.job;
                if (j != last) {
                    last = j;
                    if (index < j.parts) {
                        j.run(index);
                    }
                    continue;
                }
                long end = System.nanoTime() + SPIN_NANOS;
                while (pool.job == last && !pool.closed && System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                parked = true;
                if (pool.job == last && !pool.closed) {
                    LockSupport.park(this);
                }
                parked = false;
                Thread.interrupted();
            }
        }
    }
}
