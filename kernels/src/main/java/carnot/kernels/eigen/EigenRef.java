package carnot.kernels.eigen;

import carnot.kernels.DType;
import carnot.kernels.Elem;

import java.lang.foreign.MemorySegment;

/**
 * Reference symmetric eigensolver: cyclic Jacobi rotations in f64 (Golub and Van Loan, Alg. 8.5.3 with the
 * stable rotation of Rutishauser), sweeping until the off-diagonal Frobenius norm is below
 * {@code 1e-15 * ||A||_F} (max 60 sweeps). Cost about 10 n^3 per sweep; meant for n &le; 500.
 * Eigenvalues ascending; eigenvectors are the columns of a row-major n x n matrix.
 */
public final class EigenRef {
    private EigenRef() {
    }

    /**
     * Eigen-decomposes the row-major symmetric matrix in {@code a} (dtype t); writes ascending eigenvalues into
     * {@code w} and, when {@code vectors}, the eigenvectors as columns into {@code a}.
     */
    public static void symmetricEigen(DType t, MemorySegment a, MemorySegment w, int n, boolean vectors) {
        double[] m = new double[n * n];
        for (int i = 0; i < n * n; i++) {
            m[i] = Elem.get(a, t, i);
        }
        double[] v = new double[n * n];
        double[] d = new double[n];
        jacobi(m, n, v, d);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (p, q) -> Double.compare(d[p], d[q]));
        for (int i = 0; i < n; i++) {
            Elem.set(w, t, i, d[order[i]]);
        }
        if (vectors) {
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < n; c++) {
                    Elem.set(a, t, (long) r * n + c, v[r * n + order[c]]);
                }
            }
        }
    }

    /** Jacobi on the row-major symmetric {@code m} (destroyed); {@code v} gets eigenvectors as columns. */
    static void jacobi(double[] m, int n, double[] v, double[] d) {
        for (int i = 0; i < n; i++) {
            v[i * n + i] = 1;
        }
        double fro = 0;
        for (double x : m) {
            fro += x * x;
        }
        double tol = 1e-30 * fro;
        for (int sweep = 0; sweep < 60; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += 2 * m[p * n + q] * m[p * n + q];
                }
            }
            if (off <= tol) {
                break;
            }
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    rotate(m, v, n, p, q);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            d[i] = m[i * n + i];
        }
    }

    private static void rotate(double[] m, double[] v, int n, int p, int q) {
        double apq = m[p * n + q];
        if (apq == 0) {
            return;
        }
        double app = m[p * n + p];
        double aqq = m[q * n + q];
        double theta = (aqq - app) / (2 * apq);
        double tt = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        if (theta == 0) {
            tt = 1;
        }
        double c = 1 / Math.sqrt(tt * tt + 1);
        double s = tt * c;
        for (int k = 0; k < n; k++) {
            double mkp = m[k * n + p];
            double mkq = m[k * n + q];
            m[k * n + p] = c * mkp - s * mkq;
            m[k * n + q] = s * mkp + c * mkq;
        }
        for (int k = 0; k < n; k++) {
            double mpk = m[p * n + k];
            double mqk = m[q * n + k];
            m[p * n + k] = c * mpk - s * mqk;
            m[q * n + k] = s * mpk + c * mqk;
        }
        for (int k = 0; k < n; k++) {
            double vkp = v[k * n + p];
            double vkq = v[k * n + q];
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
        }
    }
}
