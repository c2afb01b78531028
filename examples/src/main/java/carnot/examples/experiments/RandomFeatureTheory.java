package carnot.examples.experiments;

/**
 * The solvable linear random-feature model on power-law data (Maloney, Roberts &amp; Sully 2022; Bordelon, Atanasov
 * &amp; Pehlevan 2024; Paquette et al. 2024) in the source–capacity convention used by {@link Scaling}.
 *
 * <p>Data: latent z ∈ R^M standard normal, inputs {@code x_k = √λ_k z_k} with covariance eigenvalues
 * {@code λ_k = k^{−a}} (capacity a &gt; 1), target {@code y = Σ_k c_k z_k} with {@code c_k² = λ_k w*_k² = k^{−b}}
 * (b &gt; 1; in the kernel convention {@code c_k² ∝ k^{−(1+2ar)}}, source r = (b−1)/(2a)). Test loss
 * {@code L = E (y − f(x))²}.
 * <ul>
 *   <li>Features bottleneck (D = ∞): f = vᵀFx with F ∈ R^{N×M} Gaussian and v the population least-squares fit.
 *       Deterministic equivalent {@code L(N) = Σ_k c_k² κ/(λ_k+κ)} with κ solving {@code Σ_k λ_k/(λ_k+κ) = N}.
 *       As κ ∼ N^{−a}, {@code L ∝ N^{−ν_N}} with {@code ν_N = min(b−1, a)}.</li>
 *   <li>Data bottleneck (N = ∞): ridgeless (minimum-norm) least squares on D samples. Deterministic equivalent
 *       {@code L(D) = Σ_k c_k² κ²/(λ_k+κ)² / (1 − γ)}, γ = (1/D) Σ_k λ_k²/(λ_k+κ)², κ solving
 *       {@code Σ_k λ_k/(λ_k+κ) = D}; {@code L ∝ D^{−ν_D}} with {@code ν_D = min(b−1, 2a)} (= 2a·min(r, 1)).</li>
 * </ul>
 */
public final class RandomFeatureTheory {
    private RandomFeatureTheory() {
    }

    /** Asymptotic exponent of L(N) at infinite data: {@code min(b − 1, a)}. */
    public static double featureExponent(double a, double b) {
        return Math.min(b - 1, a);
    }

    /** Asymptotic exponent of L(D) at infinite width, ridgeless: {@code min(b − 1, 2a)}. */
    public static double dataExponent(double a, double b) {
        return Math.min(b - 1, 2 * a);
    }

    /** {@code λ_k = k^{−a}}, k = 1..M. */
    public static double[] eigenvalues(double a, int m) {
        double[] l = new double[m];
        for (int k = 1; k <= m; k++) {
            l[k - 1] = Math.pow(k, -a);
        }
        return l;
    }

    /** {@code c_k² = k^{−b}}, k = 1..M. */
    public static double[] targetPower(double b, int m) {
        double[] c = new double[m];
        for (int k = 1; k <= m; k++) {
            c[k - 1] = Math.pow(k, -b);
        }
        return c;
    }

    /** κ &gt; 0 with {@code Σ_k λ_k/(λ_k+κ) = n} (0 &lt; n &lt; M), by bisection on log κ to relative 1e-13. */
    public static double kappa(double[] lambda, double n) {
        if (!(n > 0 && n < lambda.length)) {
            throw new IllegalArgumentException("kappa needs 0 < n < M = " + lambda.length + "; given " + n);
        }
        double lo = 1e-300;
        double hi = 1;
        for (double l : lambda) {
            hi = Math.max(hi, l * lambda.length);
        }
        for (int it = 0; it < 2000 && hi / lo > 1 + 1e-13; it++) {
            double k = Math.sqrt(lo * hi);
            double s = 0;
            for (double l : lambda) {
                s += l / (l + k);
            }
            if (s > n) {
                lo = k;
            } else {
                hi = k;
            }
        }
        return Math.sqrt(lo * hi);
    }

    /** Deterministic-equivalent L(N) of N random features at infinite data. */
    public static double lossFeatures(double[] lambda, double[] c2, int n) {
        double k = kappa(lambda, n);
        double s = 0;
        for (int i = 0; i < lambda.length; i++) {
            s += c2[i] * k / (lambda[i] + k);
        }
        return s;
    }

    /** Deterministic-equivalent L(D) of ridgeless regression on D samples (infinite width). */
    public static double lossData(double[] lambda, double[] c2, int d) {
        double k = kappa(lambda, d);
        double bias = 0;
        double g = 0;
        for (int i = 0; i < lambda.length; i++) {
            double q = k / (lambda[i] + k);
            bias += c2[i] * q * q;
            double r = lambda[i] / (lambda[i] + k);
            g += r * r;
        }
        return bias / (1 - g / d);
    }

    /**
     * Solves {@code A x = y} for a symmetric positive-definite A (n x n, row-major) by Cholesky; fails naming the
     * pivot when A is not positive definite to rounding.
     */
    public static double[] solveSpd(double[] a, int n, double[] y) {
        if (a.length != (long) n * n || y.length != n) {
            throw new IllegalArgumentException("solveSpd needs an n x n matrix and n values; given " + a.length
                    + " and " + y.length + " for n = " + n);
        }
        double[] l = new double[n * n];
        for (int j = 0; j < n; j++) {
            double s = a[j * n + j];
            for (int k = 0; k < j; k++) {
                s -= l[j * n + k] * l[j * n + k];
            }
            if (!(s > 0)) {
                throw new IllegalArgumentException("matrix is not positive definite: pivot " + j + " = " + s);
            }
            double d = Math.sqrt(s);
            l[j * n + j] = d;
            for (int i = j + 1; i < n; i++) {
                double t = a[i * n + j];
                for (int k = 0; k < j; k++) {
                    t -= l[i * n + k] * l[j * n + k];
                }
                l[i * n + j] = t / d;
            }
        }
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            double t = y[i];
            for (int k = 0; k < i; k++) {
                t -= l[i * n + k] * z[k];
            }
            z[i] = t / l[i * n + i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double t = z[i];
            for (int k = i + 1; k < n; k++) {
                t -= l[k * n + i] * x[k];
            }
            x[i] = t / l[i * n + i];
        }
        return x;
    }
}
