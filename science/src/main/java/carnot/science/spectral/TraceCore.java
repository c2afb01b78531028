package carnot.science.spectral;

import carnot.kernels.Buffer;
import carnot.kernels.HostData;
import java.util.SplittableRandom;

/**
 * Stochastic trace estimators with Rademacher probes (entries +-1, generated on the host from
 * {@code SplittableRandom(seed + probeIndex * 0x9E3779B97F4A7C15L)}, so the probes depend only on the seed and the
 * probe index, not on the batch size or backend).
 *
 * <ul>
 *   <li>Hutchinson: {@code tr(A) ~ (1/m) sum_i z_i^T A z_i}, standard error {@code sd(z_i^T A z_i) / sqrt(m)}.</li>
 *   <li>Hutch++ (Meyer, Musco, Musco, Woodruff 2021) with m products (m/3 each): {@code Q = orth(A S)},
 *       {@code tr(A) ~ tr(Q^T A Q) + (1/(m/3)) sum_i g_i'^T A g_i'} with {@code g' = (I - Q Q^T) g}; the standard
 *       error is that of the second (stochastic) term.</li>
 * </ul>
 */
final class TraceCore {
    private TraceCore() {
    }

    /** Estimate, its standard error, the per-probe samples of the stochastic part, products used. */
    record Raw(double estimate, double stdError, double[] samples, int products) {
    }

    /** Writes probes [first, first + count) as rows of {@code out}. */
    static void rademacher(Buffer out, int n, long seed, int first, int count) {
        double[] row = new double[n];
        for (int p = 0; p < count; p++) {
            SplittableRandom rnd = new SplittableRandom(seed + (first + p) * 0x9E3779B97F4A7C15L);
            for (int i = 0; i < n; i++) {
                row[i] = rnd.nextBoolean() ? 1.0 : -1.0;
            }
            HostData.write(out, (long) p * n, row);
        }
    }

    static Raw hutchinson(VecOp op, int probes, int batch, long seed) {
        if (probes < 2 || batch < 1) {
            throw new IllegalArgumentException("Hutchinson needs probes >= 2 and batch >= 1; given probes=" + probes
                    + ", batch=" + batch);
        }
        int n = op.dim();
        double[] samples = new double[probes];
        try (Work w = new Work(op.backend(), op.dtype(), n)) {
            int b = Math.min(batch, probes);
            Buffer z = w.rows(b);
            Buffer az = w.rows(b);
            try {
                for (int first = 0; first < probes; first += b) {
                    int cnt = Math.min(b, probes - first);
                    rademacher(z, n, seed, first, cnt);
                    op.apply(z, 0, az, 0, cnt);
                    for (int i = 0; i < cnt; i++) {
                        samples[first + i] = w.cross(z, (long) i * n, 1, az, (long) i * n, 1)[0][0];
                    }
                }
            } finally {
                w.be.free(z);
                w.be.free(az);
            }
        }
        return summarize(0, samples, probes);
    }

    static Raw hutchPlusPlus(VecOp op, int products, int batch, long seed) {
        int third = products / 3;
        if (third < 2 || batch < 1) {
            throw new IllegalArgumentException("Hutch++ needs products >= 6 (m/3 >= 2 for an error bar) and batch >= 1;"
                    + " given products=" + products + ", batch=" + batch);
        }
        int n = op.dim();
        if (third > n) {
            throw new IllegalArgumentException("Hutch++ needs products/3 <= dim; given products=" + products
                    + ", dim=" + n);
        }
        try (Work w = new Work(op.backend(), op.dtype(), n)) {
            Buffer s = w.rows(third);
            Buffer as = w.rows(third);
            Buffer tmp = w.rows(third);
            try {
                rademacher(s, n, seed, 0, third);
                applyBatched(op, s, as, third, batch, n);
                double drop = op.dtype() == carnot.kernels.DType.F32 ? 1e-6 : 1e-12;
                int r = LobpcgCore.svqb(w, as, 0, third, null, tmp, drop);
                applyBatched(op, as, s, r, batch, n);
                int used = third + r;
                double exact = 0;
                for (int i = 0; i < r; i++) {
                    exact += w.cross(as, (long) i * n, 1, s, (long) i * n, 1)[0][0];
                }
                rademacher(s, n, seed, third, third);
                w.orthogonalize(as, r, s, 0, third);
                applyBatched(op, s, tmp, third, batch, n);
                used += third;
                double[] samples = new double[third];
                for (int i = 0; i < third; i++) {
                    samples[i] = w.cross(s, (long) i * n, 1, tmp, (long) i * n, 1)[0][0];
                }
                return summarize(exact, samples, used);
            } finally {
                w.be.free(s);
                w.be.free(as);
                w.be.free(tmp);
            }
        }
    }

    private static void applyBatched(VecOp op, Buffer x, Buffer y, int rows, int batch, int n) {
        for (int first = 0; first < rows; first += batch) {
            int cnt = Math.min(batch, rows - first);
            op.apply(x, (long) first * n, y, (long) first * n, cnt);
        }
    }

    private static Raw summarize(double exact, double[] samples, int products) {
        double mean = 0;
        for (double s : samples) {
            mean += s;
        }
        mean /= samples.length;
        double var = 0;
        for (double s : samples) {
            var += (s - mean) * (s - mean);
        }
        var /= samples.length - 1;
        return new Raw(exact + mean, Math.sqrt(var / samples.length), samples, products);
    }
}
