package carnot.models.data;

import carnot.engine.io.NdArray;
import java.util.SplittableRandom;

/**
 * Generated data sets, deterministic in their seed ({@link SplittableRandom}, so identical on every machine).
 * Inputs are F64 [n, d]; regression targets F64 [n, k]; class and token ids I32.
 */
public final class Generated {
    private Generated() {
    }

    /**
     * Gaussian teacher–student regression: {@code x ~ N(0, I_{d0})}, a random bias-free MLP teacher with widths
     * {@code d0,…,dL}, weights {@code W_l ~ N(0, 1/d_{l-1})}, activation {@code act} between layers (not after the last),
     * and {@code y = teacher(x) + noise·N(0, I_{dL})}. Returns x [n, d0], y [n, dL].
     */
    public static Examples teacherStudent(int n, int[] widths, String act, double noise, long seed) {
        requireN(n);
        if (widths.length < 2) {
            throw new IllegalArgumentException("teacher widths need input and output sizes; given " + widths.length);
        }
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = gaussian(r, n * widths[0], 1);
        double[] h = x;
        for (int l = 1; l < widths.length; l++) {
            int in = widths[l - 1];
            int out = widths[l];
            double[] w = gaussian(r, out * in, 1 / Math.sqrt(in));
            double[] z = new double[n * out];
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < out; o++) {
                    double s = 0;
                    for (int k = 0; k < in; k++) {
                        s += h[i * in + k] * w[o * in + k];
                    }
                    z[i * out + o] = l + 1 < widths.length ? activate(act, s) : s;
                }
            }
            h = z;
        }
        int dOut = widths[widths.length - 1];
        for (int i = 0; i < h.length; i++) {
            h[i] += noise * r.nextGaussian();
        }
        return new Examples(NdArray.ofF64(x, n, widths[0]), NdArray.ofF64(h, n, dOut));
    }

    /**
     * Whitened inputs with a linear target map of chosen singular values (deep linear dynamics): x [n, dIn] with
     * {@code XᵀX / n = I} exactly (Gram–Schmidt of a Gaussian matrix, needs n ≥ dIn), and
     * {@code y = x Mᵀ}, {@code M = U diag(s) Vᵀ} [dOut, dIn] with random orthonormal U, V. Needs
     * {@code s.length ≤ min(dIn, dOut)}. Returns x [n, dIn], y [n, dOut].
     */
    public static Examples whitenedLinear(int n, int dIn, int dOut, double[] singularValues, long seed) {
        requireN(n);
        int r = singularValues.length;
        if (n < dIn || r > Math.min(dIn, dOut) || r < 1) {
            throw new IllegalArgumentException("whitenedLinear needs n >= dIn and 1 <= #singular values <= min(dIn, dOut);"
                    + " given n=" + n + ", dIn=" + dIn + ", dOut=" + dOut + ", " + r + " singular values");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        double[] x = orthonormalColumns(gaussian(rng, n * dIn, 1), n, dIn);
        double scale = Math.sqrt(n);
        for (int i = 0; i < x.length; i++) {
            x[i] *= scale;
        }
        double[] u = orthonormalColumns(gaussian(rng, dOut * r, 1), dOut, r);
        double[] v = orthonormalColumns(gaussian(rng, dIn * r, 1), dIn, r);
        double[] m = new double[dOut * dIn];
        for (int o = 0; o < dOut; o++) {
            for (int i = 0; i < dIn; i++) {
                double s = 0;
                for (int k = 0; k < r; k++) {
                    s += u[o * r + k] * singularValues[k] * v[i * r + k];
                }
                m[o * dIn + i] = s;
            }
        }
        double[] y = new double[n * dOut];
        for (int e = 0; e < n; e++) {
            for (int o = 0; o < dOut; o++) {
                double s = 0;
                for (int i = 0; i < dIn; i++) {
                    s += x[e * dIn + i] * m[o * dIn + i];
                }
                y[e * dOut + o] = s;
            }
        }
        return new Examples(NdArray.ofF64(x, n, dIn), NdArray.ofF64(y, n, dOut));
    }

    /**
     * Power-law covariance features (scaling laws): {@code x_j ~ N(0, j^{-alpha})}, j = 1…d, independent;
     * target {@code y = Σ_j w_j x_j + noise·ε} with {@code w_j ~ N(0, 1)}. Returns x [n, d], y [n, 1].
     */
    public static Examples powerLaw(int n, int d, double alpha, double noise, long seed) {
        requireN(n);
        SplittableRandom r = new SplittableRandom(seed);
        double[] w = gaussian(r, d, 1);
        double[] x = new double[n * d];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                double v = r.nextGaussian() * Math.pow(j + 1, -alpha / 2);
                x[i * d + j] = v;
                s += w[j] * v;
            }
            y[i] = s + noise * r.nextGaussian();
        }
        return new Examples(NdArray.ofF64(x, n, d), NdArray.ofF64(y, n, 1));
    }

    /**
     * Gaussian-mixture classification (neural collapse): class means {@code μ_c = separation · u_c} with random unit
     * vectors u_c, {@code x = μ_c + N(0, I_d)}, labels {@code c = i mod classes} (balanced). x [n, d], y I32 [n].
     */
    public static Examples gaussianMixture(int n, int d, int classes, double separation, long seed) {
        requireN(n);
        if (classes < 2) {
            throw new IllegalArgumentException("gaussianMixture needs >= 2 classes; given " + classes);
        }
        SplittableRandom r = new SplittableRandom(seed);
        double[] mu = gaussian(r, classes * d, 1);
        for (int c = 0; c < classes; c++) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                norm += mu[c * d + j] * mu[c * d + j];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < d; j++) {
                mu[c * d + j] *= separation / norm;
            }
        }
        double[] x = new double[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % classes;
            y[i] = c;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = mu[c * d + j] + r.nextGaussian();
            }
        }
        return new Examples(NdArray.ofF64(x, n, d), NdArray.ofI32(y, n));
    }

    /** Binary operations for {@link #modular}. */
    public enum ModOp { ADD, SUB, MUL, DIV }

    /**
     * Modular arithmetic as token sequences (grokking): every pair (a, b) in [0, p)² (b ≠ 0 for DIV) as the sequence
     * {@code [a, p, b, p+1]} (p = the operator token, p+1 = "="), target {@code a∘b mod p} (DIV: {@code a·b^{-1}}).
     * Vocabulary p+2, context 4. The pairs come in a seeded random order, so {@code first(m)} is a random training
     * split. x I32 [n, 4], y I32 [n] (the answer after the last token). p must be prime for DIV.
     */
    public static Examples modular(int p, ModOp op, long seed) {
        if (p < 2) {
            throw new IllegalArgumentException("modular arithmetic needs p >= 2; given " + p);
        }
        int bStart = op == ModOp.DIV ? 1 : 0;
        int n = p * (p - bStart);
        int[] x = new int[n * 4];
        int[] y = new int[n];
        int[] perm = Examples.permutation(n, seed);
        for (int k = 0; k < n; k++) {
            int a = perm[k] / (p - bStart);
            int b = perm[k] % (p - bStart) + bStart;
            x[k * 4] = a;
            x[k * 4 + 1] = p;
            x[k * 4 + 2] = b;
            x[k * 4 + 3] = p + 1;
            y[k] = switch (op) {
                case ADD -> (a + b) % p;
                case SUB -> Math.floorMod(a - b, p);
                case MUL -> (int) ((long) a * b % p);
                case DIV -> (int) ((long) a * modInverse(b, p) % p);
            };
        }
        return new Examples(NdArray.ofI32(x, n, 4), NdArray.ofI32(y, n));
    }

    /**
     * A small synthetic language: a random sparse first-order Markov chain over {@code vocab} tokens (each token
     * has {@code min(3, vocab)} possible successors with random probabilities), started from a uniform token.
     * Each example is ctx+1 consecutive tokens t_0…t_ctx: x = t_0…t_{ctx-1}, y = t_1…t_ctx (next-token targets at
     * every position). x, y I32 [n, ctx].
     */
    public static Examples language(int n, int ctx, int vocab, long seed) {
        requireN(n);
        if (vocab < 2 || ctx < 1) {
            throw new IllegalArgumentException("language needs vocab >= 2 and ctx >= 1; given " + vocab + ", " + ctx);
        }
        SplittableRandom r = new SplittableRandom(seed);
        int k = Math.min(3, vocab);
        int[][] next = new int[vocab][k];
        double[][] cum = new double[vocab][k];
        for (int v = 0; v < vocab; v++) {
            int[] perm = Examples.permutation(vocab, r.nextLong());
            double total = 0;
            for (int j = 0; j < k; j++) {
                next[v][j] = perm[j];
                total += cum[v][j] = 0.1 + r.nextDouble();
            }
            double acc = 0;
            for (int j = 0; j < k; j++) {
                acc += cum[v][j] / total;
                cum[v][j] = acc;
            }
        }
        int[] x = new int[n * ctx];
        int[] y = new int[n * ctx];
        for (int i = 0; i < n; i++) {
            int t = r.nextInt(vocab);
            for (int s = 0; s <= ctx; s++) {
                if (s < ctx) {
                    x[i * ctx + s] = t;
                }
                if (s > 0) {
                    y[i * ctx + s - 1] = t;
                }
                double u = r.nextDouble();
                int j = 0;
                while (j < k - 1 && u > cum[t][j]) {
                    j++;
                }
                t = next[t][j];
            }
        }
        return new Examples(NdArray.ofI32(x, n, ctx), NdArray.ofI32(y, n, ctx));
    }

    /** Activations used by the teacher: tanh, relu, gelu (tanh form), linear, sigmoid, softplus. */
    static double activate(String act, double s) {
        return switch (act) {
            case "tanh" -> Math.tanh(s);
            case "relu" -> Math.max(0, s);
            case "linear" -> s;
            case "sigmoid" -> 1 / (1 + Math.exp(-s));
            case "softplus" -> s > 30 ? s : Math.log1p(Math.exp(s));
            case "gelu" -> 0.5 * s * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (s + 0.044715 * s * s * s)));
            default -> throw new IllegalArgumentException("activation must be tanh, relu, gelu, linear, sigmoid or "
                    + "softplus; given '" + act + "'");
        };
    }

    private static int modInverse(int b, int p) {
        long result = 1;
        long base = b;
        for (int e = p - 2; e > 0; e >>= 1) {
            if ((e & 1) == 1) {
                result = result * base % p;
            }
            base = base * base % p;
        }
        if (result * b % p != 1) {
            throw new IllegalArgumentException("modular division needs a prime p; " + b + " has no inverse mod " + p);
        }
        return (int) result;
    }

    private static double[] gaussian(SplittableRandom r, int n, double std) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = std * r.nextGaussian();
        }
        return a;
    }

    /** Orthonormalizes the columns of the row-major rows×cols matrix a (modified Gram–Schmidt, twice). */
    static double[] orthonormalColumns(double[] a, int rows, int cols) {
        for (int pass = 0; pass < 2; pass++) {
            for (int c = 0; c < cols; c++) {
                for (int prev = 0; prev < c; prev++) {
                    double dot = 0;
                    for (int i = 0; i < rows; i++) {
                        dot += a[i * cols + c] * a[i * cols + prev];
                    }
                    for (int i = 0; i < rows; i++) {
                        a[i * cols + c] -= dot * a[i * cols + prev];
                    }
                }
                double norm = 0;
                for (int i = 0; i < rows; i++) {
                    norm += a[i * cols + c] * a[i * cols + c];
                }
                norm = Math.sqrt(norm);
                if (norm < 1e-12) {
                    throw new IllegalStateException("degenerate random matrix in Gram-Schmidt (column " + c + ")");
                }
                for (int i = 0; i < rows; i++) {
                    a[i * cols + c] /= norm;
                }
            }
        }
        return a;
    }

    private static void requireN(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("a data set needs n >= 1 examples; given " + n);
        }
    }
}
