package carnot.kernels.cuda;

import carnot.kernels.Binary;
import carnot.kernels.Broadcast;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import carnot.kernels.Reduce;
import carnot.kernels.Unary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every op family of the CUDA backend, run on the host emulation of the launch model ("cuda-emu"), against the
 * reference backend, for F32 and F64, on shapes that hit partial tiles, partial warps and tails (1, 7, 33, 4099,
 * non-square and transposed GEMMs, batched GEMM with a shared operand, broadcasting over each axis).
 */
class CudaEmuFamiliesTest {
    private static RefBackend ref;
    private static CudaBackend emu;

    @BeforeAll
    static void open() {
        ref = new RefBackend();
        emu = CudaBackend.emulated();
    }

    @AfterAll
    static void close() {
        assertEquals(0, emu.liveBuffers(), "cuda-emu buffers leaked by the tests");
        emu.close();
        ref.close();
    }

    private static Twin twin(DType t, long seed) {
        return new Twin(ref, emu, t, seed);
    }

    /** fill (with offset), convert both ways, copy (overlapping both ways) and strided copies equal the reference. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void memoryFamily(DType t) {
        try (Twin w = twin(t, 11)) {
            Twin.Pair x = w.random(4099, -2, 2);
            ref.fill(x.r(), 5, 4000, 0.25);
            emu.fill(x.d(), 5, 4000, 0.25);
            w.check("fill", x);
            Twin.Pair c = w.random(300, -1, 1);
            ref.copy(c.r(), 0, c.r(), 7, 200);
            emu.copy(c.d(), 0, c.d(), 7, 200);
            ref.copy(c.r(), 50, c.r(), 3, 200);
            emu.copy(c.d(), 50, c.d(), 3, 200);
            w.check("copy overlapping", c);
            DType other = t == DType.F32 ? DType.F64 : DType.F32;
            try (Twin o = twin(other, 12)) {
                Twin.Pair dst = o.zeros(33);
                ref.convert(x.r(), dst.r(), 33);
                emu.convert(x.d(), dst.d(), 33);
                o.check("convert " + t + "->" + other, dst);
            }
            Twin.Pair src = w.random(33 * 7, -1, 1);
            Twin.Pair tr = w.zeros(7 * 33 + 3);
            Broadcast transpose = new Broadcast(new int[] {7, 33}, new long[] {1, 7}, 0, new long[2], 0);
            ref.copyStrided(src.r(), transpose, tr.r(), 3);
            emu.copyStrided(src.d(), transpose, tr.d(), 3);
            w.check("copyStrided transpose 33x7", tr);
            Twin.Pair ex = w.zeros(4 * 5 * 6);
            Broadcast expand = new Broadcast(new int[] {4, 5, 6}, new long[] {0, 7, 1}, 2, new long[3], 0);
            ref.copyStrided(src.r(), expand, ex.r(), 0);
            emu.copyStrided(src.d(), expand, ex.d(), 0);
            w.check("copyStrided broadcast-expand slice", ex);
        }
    }

    /**
     * GEMM over all transposes on tile-straddling shapes (the last one long in k: split-K), beta 0 ignoring NaN in
     * C, beta != 0 accumulating.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void gemmFamily(DType t) {
        int[][] shapes = {{1, 1, 1}, {33, 7, 65}, {70, 130, 17}, {5, 64, 0}, {20, 70, 1500}};
        try (Twin w = twin(t, 21)) {
            for (int[] s : shapes) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                for (int ta = 0; ta < 2; ta++) {
                    for (int tb = 0; tb < 2; tb++) {
                        boolean transA = ta == 1;
                        boolean transB = tb == 1;
                        int lda = (transA ? m : k) + 2;
                        int ldb = (transB ? k : n) + 1;
                        int ldc = n + 3;
                        Twin.Pair a = w.random((transA ? k : m) * lda + 1, -1, 1);
                        Twin.Pair b = w.random((transB ? n : k) * ldb + 2, -1, 1);
                        Twin.Pair c = w.random(m * ldc, -1, 1);
                        double beta = (ta + tb) % 2 == 0 ? 0.0 : 0.3;
                        if (beta == 0) {
                            ref.fill(c.r(), 0, m * ldc, Double.NaN);
                            emu.fill(c.d(), 0, m * ldc, Double.NaN);
                        }
                        ref.gemm(transA, transB, m, n, k, 0.7, a.r(), 1, lda, b.r(), 2, ldb, beta, c.r(), 0, ldc);
                        emu.gemm(transA, transB, m, n, k, 0.7, a.d(), 1, lda, b.d(), 2, ldb, beta, c.d(), 0, ldc);
                        w.check("gemm " + m + "x" + n + "x" + k + " transA=" + transA + " transB=" + transB
                                + " beta=" + beta, c, 10);
                    }
                }
            }
            int m = 9;
            int n = 66;
            int k = 20;
            int batch = 3;
            Twin.Pair a = w.random(batch * m * k, -1, 1);
            Twin.Pair b = w.random(k * n, -1, 1);
            Twin.Pair c = w.random(batch * m * n, -1, 1);
            ref.gemmBatched(false, false, m, n, k, 1.0, a.r(), 0, k, m * k, b.r(), 0, n, 0, 0.5, c.r(), 0, n, m * n,
                    batch);
            emu.gemmBatched(false, false, m, n, k, 1.0, a.d(), 0, k, m * k, b.d(), 0, n, 0, 0.5, c.d(), 0, n, m * n,
                    batch);
            w.check("gemmBatched shared B", c, 10);
        }
    }

    /** axpy and dot (one partial block, many blocks, more elements than the partial grid covers). */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void blasLevel1(DType t) {
        try (Twin w = twin(t, 31)) {
            for (int n : new int[] {1, 4099, 300_001}) {
                Twin.Pair x = w.random(n, -1, 1);
                Twin.Pair y = w.random(n, -1, 1);
                double dr = ref.dot(n, x.r(), y.r());
                double dd = emu.dot(n, x.d(), y.d());
                assertEquals(dr, dd, 1e-12 * n, "dot n=" + n + " " + t);
                ref.axpy(n, -0.5, x.r(), y.r());
                emu.axpy(n, -0.5, x.d(), y.d());
                w.check("axpy n=" + n, y);
            }
        }
    }

    /** Every unary op and derivative, affine and where, over 4099 elements (positive inputs for sqrt/log/rsqrt). */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void elementwiseFamily(DType t) {
        try (Twin w = twin(t, 41)) {
            int n = 4099;
            Twin.Pair x = w.random(n, -6, 6);
            Twin.Pair pos = w.random(n, 0.01, 9);
            for (Unary op : Unary.values()) {
                boolean positive = op == Unary.SQRT || op == Unary.LOG || op == Unary.RSQRT;
                Twin.Pair in = positive ? pos : x;
                Twin.Pair out = w.zeros(n);
                ref.unary(op, in.r(), out.r(), n);
                emu.unary(op, in.d(), out.d(), n);
                w.check("unary " + op, out, 2);
            }
            Twin.Pair y = w.zeros(n);
            ref.affine(x.r(), y.r(), n, 1.5, -2);
            emu.affine(x.d(), y.d(), n, 1.5, -2);
            w.check("affine", y);
            Twin.Pair mask = w.random(n, -1, 1);
            ref.unary(Unary.D_RELU, mask.r(), mask.r(), n);
            emu.unary(Unary.D_RELU, mask.d(), mask.d(), n);
            ref.where(mask.r(), x.r(), pos.r(), y.r(), n);
            emu.where(mask.d(), x.d(), pos.d(), y.d(), n);
            w.check("where", y);
        }
    }

    /** Binary ops under broadcasting over each axis, scalars, and a transposed (strided) operand. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void broadcastBinary(DType t) {
        int[][][] cases = {{{3, 1, 5}, {1, 4, 5}}, {{33, 7}, {7}}, {{7}, {}}, {{4099}, {4099}}, {{2, 3, 1}, {3, 6}}};
        try (Twin w = twin(t, 51)) {
            for (int[][] cs : cases) {
                Broadcast bc = Broadcast.of(cs[0], cs[1]);
                Twin.Pair a = w.random(size(cs[0]), 0.1, 2);
                Twin.Pair b = w.random(size(cs[1]), -2, 2);
                for (Binary op : Binary.values()) {
                    Twin.Pair out = w.zeros((int) bc.size());
                    ref.binary(op, a.r(), b.r(), out.r(), bc);
                    emu.binary(op, a.d(), b.d(), out.d(), bc);
                    w.check("binary " + op + " " + java.util.Arrays.deepToString(cs), out, 2);
                }
            }
            Twin.Pair a = w.random(6 * 5, -1, 1);
            Twin.Pair b = w.random(5 * 6, -1, 1);
            Broadcast transposed = new Broadcast(new int[] {5, 6}, new long[] {1, 5}, 0, new long[] {6, 1}, 0);
            Twin.Pair out = w.zeros(30);
            ref.binary(Binary.SUB, a.r(), b.r(), out.r(), transposed);
            emu.binary(Binary.SUB, a.d(), b.d(), out.d(), transposed);
            w.check("binary SUB with a transposed operand", out);
        }
    }

    private static int size(int[] shape) {
        int s = 1;
        for (int d : shape) {
            s *= d;
        }
        return s;
    }

    /** Reductions over the middle axis: thread-per-output, block-per-row and split-axis kernels, empty axis. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void reduceFamily(DType t) {
        long[][] shapes = {{3, 7, 5}, {1, 4099, 1}, {5, 100, 1}, {2, 0, 3}, {4, 33, 70}, {2, 300, 70}, {600, 10, 1}};
        try (Twin w = twin(t, 61)) {
            for (long[] s : shapes) {
                Twin.Pair x = w.random((int) (s[0] * s[1] * s[2]), -3, 3);
                for (Reduce op : Reduce.values()) {
                    Twin.Pair out = w.zeros((int) (s[0] * s[2]));
                    ref.reduce(op, x.r(), out.r(), s[0], s[1], s[2]);
                    emu.reduce(op, x.d(), out.d(), s[0], s[1], s[2]);
                    w.check("reduce " + op + " " + java.util.Arrays.toString(s), out);
                }
            }
        }
    }

    /** Softmax and log-softmax (also in place), layer norm forward and backward, on narrow and wide rows. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void rowFamilies(DType t) {
        int[][] shapes = {{3, 1}, {5, 33}, {2, 4099}};
        try (Twin w = twin(t, 71)) {
            for (int[] s : shapes) {
                int rows = s[0];
                int cols = s[1];
                Twin.Pair x = w.random(rows * cols, -5, 5);
                for (boolean log : new boolean[] {false, true}) {
                    Twin.Pair out = w.zeros(rows * cols);
                    ref.softmax(x.r(), out.r(), rows, cols, log);
                    emu.softmax(x.d(), out.d(), rows, cols, log);
                    w.check("softmax log=" + log + " " + rows + "x" + cols, out);
                }
                Twin.Pair inPlace = w.random(rows * cols, -5, 5);
                ref.softmax(inPlace.r(), inPlace.r(), rows, cols, true);
                emu.softmax(inPlace.d(), inPlace.d(), rows, cols, true);
                w.check("log-softmax in place " + rows + "x" + cols, inPlace);
                Twin.Pair out = w.zeros(rows * cols);
                Twin.Pair mean = w.zeros(rows);
                Twin.Pair rstd = w.zeros(rows);
                ref.layerNorm(x.r(), out.r(), mean.r(), rstd.r(), rows, cols, 1e-5);
                emu.layerNorm(x.d(), out.d(), mean.d(), rstd.d(), rows, cols, 1e-5);
                w.check("layerNorm out " + rows + "x" + cols, out, 2);
                w.check("layerNorm mean", mean);
                w.check("layerNorm rstd", rstd);
                Twin.Pair dy = w.random(rows * cols, -1, 1);
                Twin.Pair dx = w.zeros(rows * cols);
                ref.layerNormBackward(dy.r(), x.r(), mean.r(), rstd.r(), dx.r(), rows, cols);
                emu.layerNormBackward(dy.d(), x.d(), mean.d(), rstd.d(), dx.d(), rows, cols);
                w.check("layerNormBackward " + rows + "x" + cols, dx, 10);
            }
        }
    }

    /** Row gather and deterministic row scatter-add with repeated indices and untouched rows. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void indexingFamily(DType t) {
        try (Twin w = twin(t, 81)) {
            int rows = 10;
            int cols = 7;
            int n = 33;
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = (i * 7 + 3) % (rows - 2);
            }
            Twin.Pair ix = w.ints(idx);
            Twin.Pair table = w.random(rows * cols, -1, 1);
            Twin.Pair out = w.zeros(n * cols);
            ref.gatherRows(table.r(), rows, cols, ix.r(), n, out.r());
            emu.gatherRows(table.d(), rows, cols, ix.d(), n, out.d());
            w.check("gatherRows", out);
            Twin.Pair src = w.random(n * cols, -1, 1);
            ref.scatterAddRows(src.r(), ix.r(), n, cols, table.r(), rows);
            emu.scatterAddRows(src.d(), ix.d(), n, cols, table.d(), rows);
            w.check("scatterAddRows (bitwise: same order as the sequential loop)", table, 0);
        }
    }

    /** Philox uniforms equal the reference bitwise; normals to the last bits of log/cos; both with an offset. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void rngFamily(DType t) {
        try (Twin w = twin(t, 91)) {
            Twin.Pair u = w.zeros(4099);
            ref.uniform(u.r(), 4099, 0x1234_5678_9abcL, 1L << 33, -1, 3);
            emu.uniform(u.d(), 4099, 0x1234_5678_9abcL, 1L << 33, -1, 3);
            w.check("uniform (must be bitwise)", u, 0);
            Twin.Pair z = w.zeros(4099);
            ref.normal(z.r(), 4099, 42, 7, 0.5, 2);
            emu.normal(z.d(), 4099, 42, 7, 0.5, 2);
            w.check("normal", z);
        }
    }

    /** symmetricEigen (host fallback) gives the reference eigenvalues and eigenvectors. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void eigenFamily(DType t) {
        int n = 6;
        double[] m = new double[n * n];
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                m[i * n + j] = m[j * n + i] = r.nextDouble() - 0.5 + (i == j ? i : 0);
            }
        }
        try (Twin w = twin(t, 101)) {
            Twin.Pair a = w.of(m);
            Twin.Pair ev = w.zeros(n);
            ref.symmetricEigen(a.r(), ev.r(), n, false);
            emu.symmetricEigen(a.d(), ev.d(), n, false);
            w.check("symmetricEigen values", ev, 10);
        }
    }
}
