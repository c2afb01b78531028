package carnot.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The determinism promise (kernels/README.md, "Determinism policy"), tested as stated:
 * <ul>
 * <li>same inputs, backend and thread count give bitwise the same outputs on every run: a pipeline of reductions,
 * dots, softmax, layer norm, scatter-add, GEMMs and RNG run three times (the first partly interpreted, later ones
 * JIT-compiled) must agree bit for bit;</li>
 * <li>elementwise ops, RNG, softmax and layer norm rows, gather and scatter-add, and the attention kernels (one
 * (direction,) batch, head unit per task) are bitwise equal on 1, 2 and 3 threads (chunk bounds are multiples of
 * 64 elements, rows are never split);</li>
 * <li>GEMMs (row, column and K splits, batched), full sums, dots and column reductions change their blocking or
 * summation order with the thread count (and OpenBLAS picks its kernels by CPU and block shape): results on 2
 * and 3 threads agree with 1 thread elementwise within {@code 2 gamma S} ({@link RoundingBound}), S computed
 * in f64 from the actual inputs.</li>
 * </ul>
 */
class DeterminismTest {

    static Stream<Backends.Entry> backends() {
        return Backends.forTests().stream();
    }

    private static List<double[]> pipeline(Backend be, DType dt) {
        List<double[]> res = new ArrayList<>();
        int n = 60_007;
        Buffer x = be.alloc(dt, n);
        Buffer y = be.alloc(dt, n);
        be.normal(x, n, 5, 0, 0, 1);
        be.uniform(y, n, 6, 0, -1, 1);
        res.add(new double[]{be.dot(n, x, y)});
        be.unary(Unary.TANH, x, y, n);
        res.add(HostData.toDoubles(y));
        Buffer s = be.alloc(dt, 1);
        be.reduce(Reduce.SUM, y, s, 1, n, 1);
        res.add(HostData.toDoubles(s));
        Buffer cols = be.alloc(dt, 1001);
        be.reduce(Reduce.SUMSQ, x, cols, 1, 59, 1001);
        res.add(HostData.toDoubles(cols));
        be.softmax(x, y, 59, 1005, true);
        res.add(HostData.toDoubles(y));
        Buffer mu = be.alloc(dt, 59);
        Buffer rs = be.alloc(dt, 59);
        be.layerNorm(x, y, mu, rs, 59, 1005, 1e-5);
        be.layerNormBackward(x, x, mu, rs, y, 59, 1005);
        res.add(HostData.toDoubles(y));
        Buffer table = be.alloc(dt, 50 * 90);
        int[] id = new int[600];
        for (int i = 0; i < id.length; i++) {
            id[i] = (i * 37) % 50;
        }
        Buffer idx = HostData.uploadInts(be, id);
        be.scatterAddRows(x, idx, 600, 90, table, 50);
        res.add(HostData.toDoubles(table));
        Buffer c = be.alloc(dt, 12 * 70 * 70);
        be.gemmBatched(false, true, 70, 70, 90, 1, x, 0, 90, 90, y, 7, 90, 0, 0, c, 0, 70, 4900, 12);
        res.add(HostData.toDoubles(c));
        for (Buffer b : new Buffer[]{x, y, s, cols, mu, rs, table, idx, c}) {
            b.close();
        }
        return res;
    }

    /** Three runs of the pipeline are bitwise equal, per dtype. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void repeatedRunsAreBitwiseEqual(Backends.Entry entry) {
        for (DType dt : new DType[]{DType.F32, DType.F64}) {
            try (Backend be = entry.factory().get()) {
                List<double[]> first = pipeline(be, dt);
                for (int run = 1; run < 3; run++) {
                    List<double[]> again = pipeline(be, dt);
                    for (int k = 0; k < first.size(); k++) {
                        assertArrayEquals(first.get(k), again.get(k), 0.0,
                                entry.name() + " " + dt + ": step " + k + " differs on run " + run);
                    }
                }
            }
        }
    }

    /** Thread counts compared against one thread. */
    static final int[] THREADS = {2, 3};

    /**
     * Elementwise ops, RNG, gather, scatter-add, softmax and layer norm give bitwise the same result on 1, 2 and 3
     * threads (chunk bounds are aligned to whole vectors and rows are never split).
     */
    @org.junit.jupiter.api.Test
    void threadCountIndependentOpsAreBitwiseAcrossThreadCounts() {
        for (DType dt : new DType[]{DType.F32, DType.F64}) {
            List<double[]> a;
            try (CpuBackend one = new CpuBackend(1)) {
                a = independent(one, dt);
            }
            for (int threads : THREADS) {
                try (CpuBackend many = new CpuBackend(threads)) {
                    List<double[]> b = independent(many, dt);
                    for (int k = 0; k < a.size(); k++) {
                        assertArrayEquals(a.get(k), b.get(k), 0.0,
                                dt + ": step " + k + " differs between 1 and " + threads + " threads");
                    }
                }
            }
        }
    }

    private static List<double[]> independent(Backend be, DType dt) {
        List<double[]> res = new ArrayList<>();
        int n = 70_001;
        Buffer x = be.alloc(dt, n);
        Buffer y = be.alloc(dt, n);
        be.normal(x, n, 9, 3, 0, 1);
        res.add(HostData.toDoubles(x));
        be.uniform(y, n, 10, 7, -2, 2);
        res.add(HostData.toDoubles(y));
        for (Unary op : new Unary[]{Unary.TANH, Unary.GELU, Unary.EXP, Unary.D_SIGMOID}) {
            be.unary(op, x, y, n);
            res.add(HostData.toDoubles(y));
        }
        be.affine(x, y, n, 1.5, -0.25);
        res.add(HostData.toDoubles(y));
        be.binary(Binary.MUL, x, x, y, Broadcast.of(new int[]{n}, new int[]{n}));
        res.add(HostData.toDoubles(y));
        be.softmax(x, y, 67, 1031, false);
        res.add(HostData.toDoubles(y));
        Buffer mu = be.alloc(dt, 67);
        Buffer rs = be.alloc(dt, 67);
        be.layerNorm(x, y, mu, rs, 67, 1031, 1e-5);
        res.add(HostData.toDoubles(y));
        res.add(HostData.toDoubles(mu));
        be.layerNormBackward(x, x, mu, rs, y, 67, 1031);
        res.add(HostData.toDoubles(y));
        Buffer table = be.alloc(dt, 40 * 700);
        int[] id = new int[90];
        for (int i = 0; i < id.length; i++) {
            id[i] = (i * 7) % 40;
        }
        Buffer idx = HostData.uploadInts(be, id);
        be.scatterAddRows(x, idx, 90, 700, table, 40);
        res.add(HostData.toDoubles(table));
        be.gatherRows(table, 40, 700, idx, 90, y);
        res.add(HostData.toDoubles(y));
        res.addAll(attention(be, dt, x));
        for (Buffer b : new Buffer[]{x, y, mu, rs, table, idx}) {
            b.close();
        }
        return res;
    }

    /** Attention forward, backward, tangent and the backward's tangent (2 directions), inputs sliced from x. */
    private static List<double[]> attention(Backend be, DType dt, Buffer x) {
        int b = 2;
        int h = 3;
        int t = 37;
        int dh = 9;
        int kb = 2;
        int n = b * t * h * dh;
        double scale = 0.3;
        List<Buffer> in = new ArrayList<>();
        long at = 0;
        for (int i = 0; i < 8; i++) { // q, k, v, g, then their tangents [kb, ...]
            long len = i < 4 ? n : (long) kb * n;
            in.add(x.slice(at, len));
            at += len;
        }
        Buffer q = in.get(0);
        Buffer k = in.get(1);
        Buffer v = in.get(2);
        Buffer g = in.get(3);
        Buffer out = be.alloc(dt, n);
        Buffer lse = be.alloc(dt, b * h * t);
        Buffer grads = be.alloc(dt, 3L * n);
        Buffer tan = be.alloc(dt, n);
        Buffer all = be.alloc(dt, 3L * kb * n);
        List<double[]> res = new ArrayList<>();
        be.attention(q, k, v, out, lse, b, h, t, t, dh, scale);
        res.add(HostData.toDoubles(out));
        res.add(HostData.toDoubles(lse));
        try (Buffer dq = grads.slice(0, n); Buffer dk = grads.slice(n, n); Buffer dv = grads.slice(2L * n, n);
             Buffer ak = all.slice(n, (3L * kb - 1) * n); Buffer av = all.slice(2L * n, (3L * kb - 2) * n)) {
            be.attentionBackward(q, k, v, out, lse, g, dq, dk, dv, b, h, t, t, dh, scale);
            res.add(HostData.toDoubles(grads));
            be.attentionJvp(q, k, v, out, lse, g, k, v, tan, b, h, t, t, dh, scale);
            res.add(HostData.toDoubles(tan));
            be.attentionBackwardJvp(q, k, v, lse, g, in.get(4), in.get(5), in.get(6), in.get(7), all, ak, av, kb,
                    3L * n, b, h, t, t, dh, scale);
            res.add(HostData.toDoubles(all));
        }
        for (Buffer c : new Buffer[]{out, lse, grads, tan, all}) {
            c.close();
        }
        in.forEach(Buffer::close);
        return res;
    }

    /**
     * GEMMs on 2 and 3 threads agree with 1 thread within {@code 2 gamma_(K+2) S_ij} elementwise: the failing
     * shape that showed the host dependence (150x160x170, A^T), a column split (M too small for row blocks), a
     * K split (K &gt;= 2 max(M, N)), alpha and beta != 0 with both transposes, and batched products with the batch
     * split across the pool and not.
     */
    @org.junit.jupiter.api.Test
    void gemmAgreesAcrossThreadCountsWithinRoundingBound() {
        // m, n, k, transA, transB, alpha, beta, batch
        double[][] cases = {{150, 160, 170, 1, 0, 1, 0, 1}, {20, 300, 200, 0, 1, 1.25, 0.5, 1},
            {40, 30, 2000, 1, 0, 0.5, 0, 1}, {33, 65, 130, 1, 1, -1, 0.25, 1}, {70, 70, 90, 0, 1, 1, 0, 12},
            {96, 80, 100, 0, 0, 1, 0.5, 2}};
        Random rnd = new Random(31);
        double worst = 0;
        for (DType dt : new DType[]{DType.F32, DType.F64}) {
            for (double[] cs : cases) {
                int m = (int) cs[0], n = (int) cs[1], k = (int) cs[2], batch = (int) cs[7];
                boolean ta = cs[3] != 0, tb = cs[4] != 0;
                double alpha = cs[5], beta = cs[6];
                double[] a = rounded(dt, gaussian(rnd, batch * m * k));
                double[] b = rounded(dt, gaussian(rnd, batch * k * n));
                double[] c0 = rounded(dt, gaussian(rnd, batch * m * n));
                int lda = ta ? m : k, ldb = tb ? k : n;
                String what = dt + " gemm " + batch + " x " + m + "x" + n + "x" + k + (ta ? " A^T" : "")
                        + (tb ? " B^T" : "") + " alpha " + alpha + " beta " + beta;
                double[] bound = new double[batch * m * n];
                for (int q = 0; q < batch; q++) {
                    double[] s = RoundingBound.gemmMagnitude(ta, tb, m, n, k, alpha, a, q * m * k, lda, b, q * k * n,
                            ldb, beta, c0, q * m * n, n, batch * m * n);
                    for (int i = q * m * n; i < (q + 1) * m * n; i++) {
                        bound[i] = s[i] * RoundingBound.betweenRuns(dt, k);
                    }
                }
                double[] one = gemmOn(1, dt, ta, tb, m, n, k, alpha, a, b, beta, c0, batch);
                for (int threads : THREADS) {
                    double[] many = gemmOn(threads, dt, ta, tb, m, n, k, alpha, a, b, beta, c0, batch);
                    worst = Math.max(worst, RoundingBound.assertWithin(what + ", 1 vs " + threads + " threads",
                            many, one, bound));
                }
            }
        }
        System.out.println("gemm across thread counts: largest |c_t - c_1| / (2 gamma_(K+2) S) = " + worst);
    }

    private static double[] gemmOn(int threads, DType dt, boolean ta, boolean tb, int m, int n, int k, double alpha,
                                   double[] a, double[] b, double beta, double[] c0, int batch) {
        try (CpuBackend be = new CpuBackend(threads);
             Buffer ba = HostData.upload(be, dt, a); Buffer bb = HostData.upload(be, dt, b);
             Buffer bc = HostData.upload(be, dt, c0)) {
            if (batch == 1) {
                be.gemm(ta, tb, m, n, k, alpha, ba, 0, ta ? m : k, bb, 0, tb ? k : n, beta, bc, 0, n);
            } else {
                be.gemmBatched(ta, tb, m, n, k, alpha, ba, 0, ta ? m : k, (long) m * k, bb, 0, tb ? k : n,
                        (long) k * n, beta, bc, 0, n, (long) m * n, batch);
            }
            return HostData.toDoubles(bc);
        }
    }

    /**
     * A dot, a full sum and column sums on 2 and 3 threads agree with 1 thread within {@code 2 gamma_(n+1)
     * sum |x_i y_i|} (per-chunk partials are added in chunk order, so the order changes with the thread count).
     */
    @org.junit.jupiter.api.Test
    void sumsAgreeAcrossThreadCountsWithinRoundingBound() {
        Random rnd = new Random(32);
        int outer = 3, axis = 200, inner = 1001;
        int n = outer * axis * inner + 7;
        for (DType dt : new DType[]{DType.F32, DType.F64}) {
            double[] x = rounded(dt, gaussian(rnd, n));
            double[] y = rounded(dt, gaussian(rnd, n));
            double absDot = 0;
            double absSum = 0;
            for (int i = 0; i < n; i++) {
                absDot += Math.abs(x[i] * y[i]);
                absSum += Math.abs(x[i]);
            }
            double[] absCols = new double[outer * inner];
            for (int o = 0; o < outer; o++) {
                for (int a = 0; a < axis; a++) {
                    for (int j = 0; j < inner; j++) {
                        absCols[o * inner + j] += Math.abs(x[(o * axis + a) * inner + j]);
                    }
                }
            }
            double gn = RoundingBound.betweenRunsOfSums(dt, n);
            double ga = RoundingBound.betweenRunsOfSums(dt, axis);
            double[][] one = sumsOn(1, dt, x, y, outer, axis, inner);
            for (int threads : THREADS) {
                double[][] many = sumsOn(threads, dt, x, y, outer, axis, inner);
                String what = dt + ", 1 vs " + threads + " threads";
                RoundingBound.assertWithin("dot " + what, many[0], one[0], new double[]{gn * absDot});
                RoundingBound.assertWithin("sum " + what, many[1], one[1], new double[]{gn * absSum});
                RoundingBound.assertWithin("column sums " + what, many[2], one[2], RoundingBound.scaled(absCols, ga));
            }
        }
    }

    private static double[][] sumsOn(int threads, DType dt, double[] x, double[] y, int outer, int axis, int inner) {
        try (CpuBackend be = new CpuBackend(threads);
             Buffer bx = HostData.upload(be, dt, x); Buffer by = HostData.upload(be, dt, y);
             Buffer s = be.alloc(dt, 1); Buffer cols = be.alloc(dt, outer * inner)) {
            double dot = be.dot(x.length, bx, by);
            be.reduce(Reduce.SUM, bx, s, 1, x.length, 1);
            be.reduce(Reduce.SUM, bx, cols, outer, axis, inner);
            return new double[][]{{dot}, HostData.toDoubles(s), HostData.toDoubles(cols)};
        }
    }

    private static double[] gaussian(Random rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextGaussian();
        }
        return v;
    }

    /** The values as the dtype stores them (so S is computed from the actual inputs). */
    private static double[] rounded(DType dt, double[] v) {
        if (dt == DType.F32) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) v[i];
            }
        }
        return v;
    }
}
