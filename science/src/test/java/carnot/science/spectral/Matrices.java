package carnot.science.spectral;

import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;
import carnot.kernels.HostData;
import java.util.SplittableRandom;

/** Test matrices with known spectra and a dense {@link VecOp} over them. */
final class Matrices {
    private Matrices() {
    }

    /**
     * {@code A = H3 H2 H1 diag(lambda) H1 H2 H3} with three seeded Householder reflections {@code H = I - 2 v v^T}:
     * symmetric, dense, eigenvalues exactly {@code lambda} (to rounding).
     */
    static double[][] withSpectrum(double[] lambda, long seed) {
        int n = lambda.length;
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            a[i][i] = lambda[i];
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int h = 0; h < 3; h++) {
            double[] v = new double[n];
            double nn = 0;
            for (int i = 0; i < n; i++) {
                v[i] = rnd.nextDouble() - 0.5;
                nn += v[i] * v[i];
            }
            double s = 1 / Math.sqrt(nn);
            for (int i = 0; i < n; i++) {
                v[i] *= s;
            }
            a = reflect(a, v);
        }
        return a;
    }

    /** {@code H A H} for {@code H = I - 2 v v^T}, |v| = 1. */
    private static double[][] reflect(double[][] a, double[] v) {
        int n = v.length;
        double[] av = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                av[i] += a[i][j] * v[j];
            }
        }
        double vav = 0;
        for (int i = 0; i < n; i++) {
            vav += v[i] * av[i];
        }
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                out[i][j] = a[i][j] - 2 * v[i] * av[j] - 2 * av[i] * v[j] + 4 * vav * v[i] * v[j];
            }
        }
        return out;
    }

    /** A Hessian-like spectrum: a few positive outliers, a bulk near zero, a few negative values. */
    static double[] hessianLike(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] l = new double[n];
        for (int i = 0; i < n; i++) {
            l[i] = 0.05 * (rnd.nextDouble() - 0.3);
        }
        l[0] = 10;
        l[1] = 7;
        l[2] = 5.5;
        l[3] = 4;
        l[4] = 3;
        l[5] = -2;
        l[6] = -1.2;
        l[7] = -0.8;
        return l;
    }

    /** A dense operator {@code y = A x} (rows) through the backend's GEMM; counts products. */
    static final class Dense implements VecOp {
        final Backend be;
        final DType dtype;
        final int n;
        final Buffer a;
        int products;

        Dense(Backend be, DType dtype, double[][] m) {
            this.be = be;
            this.dtype = dtype;
            this.n = m.length;
            double[] flat = new double[n * n];
            for (int i = 0; i < n; i++) {
                System.arraycopy(m[i], 0, flat, i * n, n);
            }
            this.a = HostData.upload(be, dtype, flat);
        }

        @Override
        public int dim() {
            return n;
        }

        @Override
        public DType dtype() {
            return dtype;
        }

        @Override
        public Backend backend() {
            return be;
        }

        @Override
        public void apply(Buffer x, long xOff, Buffer y, long yOff, int k) {
            products += k;
            be.gemm(false, true, k, n, n, 1.0, x, xOff, n, a, 0, n, 0.0, y, yOff, n);
        }
    }
}
