package carnot.science.spectral;

import carnot.engine.LinearOperator;

/**
 * Stochastic trace estimates of a symmetric operator with Rademacher probes (seeded; the probes depend only on the
 * seed and their index). Products are applied {@code batch} at a time through {@link LinearOperator#applyBatch}.
 */
public final class Trace {
    private Trace() {
    }

    /**
     * An estimate of {@code tr(A)} with its standard error (the sample standard deviation of the stochastic terms
     * over sqrt(their count)), the products used and the wall time.
     */
    public record Estimate(double trace, double stdError, int products, double seconds) {
    }

    /** Hutchinson: {@code (1/m) sum z_i^T A z_i} over {@code probes} = m Rademacher vectors. */
    public static Estimate hutchinson(LinearOperator op, int probes, int batch, long seed) {
        long t0 = System.nanoTime();
        TraceCore.Raw r = TraceCore.hutchinson(new Op(op), probes, batch, seed);
        return new Estimate(r.estimate(), r.stdError(), r.products(), (System.nanoTime() - t0) * 1e-9);
    }

    /**
     * Hutch++ with a budget of {@code products} operator applications (a third to sketch the range of A, a third
     * for the exact trace on that range, a third for Hutchinson on the complement); far smaller error than
     * Hutchinson when the spectrum decays.
     */
    public static Estimate hutchPlusPlus(LinearOperator op, int products, int batch, long seed) {
        long t0 = System.nanoTime();
        TraceCore.Raw r = TraceCore.hutchPlusPlus(new Op(op), products, batch, seed);
        return new Estimate(r.estimate(), r.stdError(), r.products(), (System.nanoTime() - t0) * 1e-9);
    }
}
