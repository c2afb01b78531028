package carnot.kernels;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A fixed pool of {@code threads} workers with static partitioning: a range [0, n) is cut into at most
 * {@code threads} contiguous chunks whose bounds depend only on n, the grain and the thread count, so every
 * result (including the order of partial sums) is the same on every run. Chunk 0 runs on the caller.
 * Calls are not nested: a body must not call back into the pool.
 */
public final class Parallel implements AutoCloseable {
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
    private final ExecutorService pool;

    /** A pool of {@code threads >= 1} workers (threads - 1 background threads plus the caller). */
    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1; given " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "carnot-cpu");
            t.setDaemon(true);
            return t;
        });
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
        Future<?>[] fs = new Future<?>[parts - 1];
        for (int c = 1; c < parts; c++) {
            long from = bound(n, c, parts, align);
            long to = bound(n, c + 1, parts, align);
            fs[c - 1] = pool.submit(() -> body.run(from, to));
        }
        Throwable err = null;
        try {
            body.run(0, bound(n, 1, parts, align));
        } catch (RuntimeException | Error e) {
            err = e;
        }
        err = join(fs, err);
        rethrow(err);
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

    private static Throwable join(Future<?>[] fs, Throwable err) {
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (err == null) {
                    err = e.getCause();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (err == null) {
                    err = new IllegalStateException("interrupted while waiting for kernel workers", e);
                }
            }
        }
        return err;
    }

    private static void rethrow(Throwable err) {
        if (err instanceof RuntimeException re) {
            throw re;
        }
        if (err instanceof Error e) {
            throw e;
        }
        if (err != null) {
            throw new IllegalStateException(err);
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
