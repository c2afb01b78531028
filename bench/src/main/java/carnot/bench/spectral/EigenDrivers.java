package carnot.bench.spectral;

import carnot.kernels.gemm.GemmBlas;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.openblas.global.openblas;

import java.util.Locale;
import java.util.Random;

/**
 * Eigenvalues of a dense symmetric n x n f64 matrix (entries N(0, 1)) by four LAPACK routes of the OpenBLAS build
 * the CPU backend uses, alternated ROUNDS times, wall seconds: {@code dsyevd_2stage} (what {@code FullSpectrum}
 * calls for eigenvalues only), {@code dsyevd}, {@code dsyevr} (all eigenvalues) and {@code dsytrd} + {@code dsterf};
 * the largest and smallest eigenvalue of each are printed, to check that all four agree.
 * <pre>java ... carnot.bench.spectral.EigenDrivers [N=5105] [THREADS=2] [ROUNDS=2]</pre>
 */
public final class EigenDrivers {
    private static final int COL_MAJOR = 102;

    private EigenDrivers() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5105;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        GemmBlas.setThreads(threads);
        Random r = new Random(1);
        double[] m = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = r.nextGaussian();
                m[i * n + j] = v;
                m[j * n + i] = v;
            }
        }
        for (int round = 0; round < rounds; round++) {
            for (String way : new String[] {"dsyevd_2stage", "dsyevd", "dsyevr", "dsytrd+dsterf"}) {
                try (DoublePointer a = new DoublePointer(m); DoublePointer w = new DoublePointer(n)) {
                    long t0 = System.nanoTime();
                    int info = solve(way, n, a, w);
                    double s = (System.nanoTime() - t0) / 1e9;
                    System.out.printf(Locale.ROOT, "eigen %s n=%d threads=%d info=%d seconds %.2f min %.9f max %.9f%n",
                            way, n, threads, info, s, w.get(0), w.get(n - 1));
                }
            }
        }
        GemmBlas.setThreads(1);
    }

    /** Eigenvalues of the lower triangle of a (column-major) into w, ascending; returns LAPACK's info. */
    private static int solve(String way, int n, DoublePointer a, DoublePointer w) {
        switch (way) {
            case "dsyevd_2stage":
                return openblas.LAPACKE_dsyevd_2stage(COL_MAJOR, (byte) 'N', (byte) 'L', n, a, n, w);
            case "dsyevd":
                return openblas.LAPACKE_dsyevd(COL_MAJOR, (byte) 'N', (byte) 'L', n, a, n, w);
            case "dsyevr":
                try (IntPointer found = new IntPointer(1); DoublePointer z = new DoublePointer(1);
                     IntPointer support = new IntPointer(2L * n)) {
                    return openblas.LAPACKE_dsyevr(COL_MAJOR, (byte) 'N', (byte) 'A', (byte) 'L', n, a, n, 0, 0, 0, 0,
                            0, found, w, z, 1, support);
                }
            default:
                try (DoublePointer e = new DoublePointer(n); DoublePointer tau = new DoublePointer(n)) {
                    int info = openblas.LAPACKE_dsytrd(COL_MAJOR, (byte) 'L', n, a, n, w, e, tau);
                    return info != 0 ? info : openblas.LAPACKE_dsterf(n, w, e);
                }
        }
    }
}
