package carnot.science.spectral;

import carnot.engine.LinearOperator;

/**
 * Spectral density of a symmetric operator by stochastic Lanczos quadrature (Ghorbani, Krishnan, Xiao 2019):
 * {@code probes} Rademacher vectors, {@code steps} Lanczos steps each (full reorthogonalisation), probes advanced
 * together through batched products. The density is
 * <pre>  phi(t) = (1/probes) sum_v sum_j tau_vj N(t; theta_vj, sigma^2)</pre>
 * with Ritz values theta (nodes) and squared first Ritz-vector components tau (weights, summing to 1 per probe),
 * Gaussian-broadened with {@code sigma = sigmaRel * (max theta - min theta)} and evaluated on {@code gridPoints}
 * points spanning the nodes padded by 5 sigma. It integrates to 1, and its moments estimate
 * {@code tr(A^p) / P} (see {@link SpectralDensity#moment}).
 */
public final class Slq {
    private Slq() {
    }

    /** Options: probes, Lanczos steps, products per batched call, seed, grid points, relative broadening. */
    public record Options(int probes, int steps, int batch, long seed, int gridPoints, double sigmaRel) {
        public Options {
            if (probes < 1 || steps < 1 || batch < 1 || gridPoints < 2 || !(sigmaRel > 0)) {
                throw new IllegalArgumentException("SLQ needs probes, steps, batch >= 1, gridPoints >= 2 and"
                        + " sigmaRel > 0; given probes=" + probes + ", steps=" + steps + ", batch=" + batch
                        + ", gridPoints=" + gridPoints + ", sigmaRel=" + sigmaRel);
            }
        }

        /** 10 probes, 80 steps, batch 10, seed 0, 1000 grid points, sigmaRel 0.01. */
        public static Options defaults() {
            return new Options(10, 80, 10, 0, 1000, 0.01);
        }
    }

    public static SpectralDensity density(LinearOperator op, Options o) {
        long t0 = System.nanoTime();
        SlqCore.Raw raw = SlqCore.run(new Op(op), o.probes(), o.steps(), o.batch(), o.seed());
        return SpectralDensity.broaden(raw.nodes(), raw.weights(), o.gridPoints(), o.sigmaRel(), raw.products(),
                (System.nanoTime() - t0) * 1e-9);
    }
}
