package carnot.bench.kernels;

import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.gemm.GemmBlas;

import java.util.Arrays;
import java.util.Locale;

/**
 * Wall clock of one f32 GEMM three ways on T threads: Carnot's split over its own pool (row or K split, each part a
 * single-threaded {@code cblas_sgemm}: {@code Tensor.matmul} on a {@code CpuBackend(T)}), one call threaded by
 * OpenBLAS itself ({@code blas_set_num_threads(T)}), and one single-threaded call; efficiency = single / (T x
 * threaded). The shapes are the transformer-free MLP workloads' (5000 x 512 x 512; the EoS network's forward
 * 5000 x 784 x 200, weight gradients 784 x 5000 x 200 and 512 x 5000 x 512 with A transposed, input gradient 5000 x
 * 200 x 200 with B transposed). Each way runs as its own phase per shape (10 warm-ups, median of 25): all
 * single-threaded phases first, then Carnot's, then OpenBLAS's threaded ones, since OpenBLAS's threads keep a
 * core busy for a while after a threaded call and slow whatever runs next.
 * <pre>java ... carnot.bench.kernels.GemmSplitWall [THREADS=2]</pre>
 */
public final class GemmSplitWall {
    private GemmSplitWall() {
    }

    public static void main(String[] args) throws InterruptedException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int[][] shapes = {{5000, 512, 512, 0, 0}, {5000, 784, 200, 0, 0}, {784, 5000, 200, 1, 0},
            {5000, 200, 200, 0, 1}, {512, 5000, 512, 1, 0}};
        try (CpuBackend be = new CpuBackend(threads); Scope root = Scope.open()) {
            Tensor[][] in = new Tensor[shapes.length][];
            for (int q = 0; q < shapes.length; q++) {
                int[] s = shapes[q];
                in[q] = new Tensor[] {
                    s[3] == 1 ? Tensor.randn(be, DType.F32, 4, 0, 1, s[1], s[0]) : Tensor.randn(be, DType.F32, 4, 0, 1, s[0], s[1]),
                    s[4] == 1 ? Tensor.randn(be, DType.F32, 5, 0, 1, s[2], s[1]) : Tensor.randn(be, DType.F32, 5, 0, 1, s[1], s[2]),
                    Tensor.empty(be, DType.F32, s[0], s[2])};
            }
            double[][] ms = new double[shapes.length][3];
            // single-threaded calls first, then Carnot's split, then OpenBLAS's own threads (last: its threads keep
            // spinning after a threaded call and slow whatever runs next)
            for (int way : new int[] {2, 0, 1}) {
                for (int q = 0; q < shapes.length; q++) {
                    ms[q][way] = median(be, shapes[q], in[q], way, threads);
                }
            }
            for (int q = 0; q < shapes.length; q++) {
                int[] s = shapes[q];
                System.out.printf(Locale.ROOT, "gemm %dx%dx%d transA=%b transB=%b threads=%d carnot_split_ms %.2f"
                                + " openblas_threaded_ms %.2f single_ms %.2f efficiency_split %.2f efficiency_openblas"
                                + " %.2f%n", s[0], s[1], s[2], s[3] == 1, s[4] == 1, threads, ms[q][0], ms[q][1],
                        ms[q][2], ms[q][2] / (threads * ms[q][0]), ms[q][2] / (threads * ms[q][1]));
            }
        }
    }

    /** Median wall ms of 25 calls after 10 warm-ups: way 0 Carnot's split, 1 OpenBLAS threaded, 2 single. */
    private static double median(CpuBackend be, int[] s, Tensor[] in, int way, int threads) throws InterruptedException {
        int m = s[0];
        int k = s[1];
        int n = s[2];
        boolean ta = s[3] == 1;
        boolean tb = s[4] == 1;
        Thread.sleep(500);
        double[] t = new double[25];
        for (int rep = -10; rep < t.length; rep++) {
            long w0 = System.nanoTime();
            if (way == 0) {
                try (Scope x = Scope.open()) {
                    in[0].matmul(in[1], ta, tb);
                }
            } else {
                synchronized (GemmBlas.class) {
                    GemmBlas.setThreads(way == 1 ? threads : 1);
                    GemmBlas.gemm(DType.F32, ta, tb, m, n, k, 1, in[0].buffer().segment(), 0, ta ? m : k,
                            in[1].buffer().segment(), 0, tb ? k : n, 0, in[2].buffer().segment(), 0, n);
                    GemmBlas.setThreads(1);
                }
            }
            if (rep >= 0) {
                t[rep] = (System.nanoTime() - w0) / 1e6;
            }
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }
}
