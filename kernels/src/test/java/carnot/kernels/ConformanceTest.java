package carnot.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The conformance harness: every op family on every backend of {@link Backends#againstReference()} x {F32, F64} x shapes
 * that hit SIMD and tile tails (1, 7, 33, 4099, non-square and transposed GEMMs, batches, broadcasting over each
 * axis), compared to {@link RefBackend} with {@code atol + rtol |ref|} per dtype (see {@link Fixture}).
 */
class ConformanceTest {
    static final int[] SIZES = {1, 7, 33, 4099};

    static Stream<Arguments> cases() {
        return Backends.againstReference().stream()
                .flatMap(e -> Stream.of(DType.F32, DType.F64).map(d -> Arguments.of(e, d)));
    }

    /** Every unary op on inputs in its domain, lengths 1..4099 (f32: 8 ulp-ish; f64: 1e-13). */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void unary(Backends.Entry e, DType dt) {
        try (Fixture f = new Fixture(e, dt, 11)) {
            for (Unary op : Unary.values()) {
                for (int n : SIZES) {
                    boolean positive = op == Unary.LOG || op == Unary.SQRT || op == Unary.RSQRT;
                    double[] x = positive ? f.uniform(n, 0.01, 30) : f.uniform(n, -12, 12);
                    if (op == Unary.RECIP) {
                        for (int i = 0; i < n; i++) {
                            x[i] += Math.signum(x[i]) * 0.5;
                        }
                    }
                    Buffer[] in = f.pair(x);
                    Buffer[] out = f.filled(n, Double.NaN);
                    f.be.unary(op, in[0], out[0], n);
                    f.ref.unary(op, in[1], out[1], n);
                    f.same(op.name(), "[" + n + "]", out, 4);
                }
            }
        }
    }

    /** Unary ops at special values: +-0, +-inf, NaN, huge and tiny magnitudes (in place, out == x). */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void unarySpecialValues(Backends.Entry e, DType dt) {
        double[] special = {0.0, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 1e-30, -1e-30,
                88, -88, 100, -100, 700, -700, 1e-3, -1e-3, 20, -20, 3, -3};
        double[] x = new double[special.length * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = special[i % special.length];
        }
        try (Fixture f = new Fixture(e, dt, 12)) {
            for (Unary op : Unary.values()) {
                Buffer[] p = f.pair(x);
                f.be.unary(op, p[0], p[0], x.length);
                f.ref.unary(op, p[1], p[1], x.length);
                f.close(op.name(), "special", HostData.toDoubles(p[0]), HostData.toDoubles(p[1]), f.atol(),
                        f.rtol() * 4);
            }
        }
    }

    /**
     * affine, where, the fused tanh-, GELU- and sigmoid-backward tangents (f32: 8 x (2e-6 + 2e-6 |ref|), computed
     * in f32 on the CPU and CUDA backends; f64: 8 x 1e-13), axpy and dot over lengths 1..4099; axpy and dot also over 300001 elements, more than one pass
     * of a CUDA dot grid covers (1024 blocks x 256 threads).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void denseElementwiseAndBlas1(Backends.Entry e, DType dt) {
        try (Fixture f = new Fixture(e, dt, 13)) {
            for (int n : SIZES) {
                String s = "[" + n + "]";
                Buffer[] x = f.pair(f.normal(n));
                Buffer[] y = f.pair(f.normal(n));
                Buffer[] o = f.filled(n, Double.NaN);
                f.be.affine(x[0], o[0], n, 1.5, -0.25);
                f.ref.affine(x[1], o[1], n, 1.5, -0.25);
                f.same("affine", s, o, 1);
                double[] m = f.uniform(n, -1, 1);
                for (int i = 0; i < n; i++) {
                    m[i] = m[i] > 0 ? 1 : 0;
                }
                Buffer[] mask = f.pair(m);
                f.be.where(mask[0], x[0], y[0], o[0], n);
                f.ref.where(mask[1], x[1], y[1], o[1], n);
                f.same("where", s, o, 0);
                Buffer[] g = f.pair(f.normal(n));
                Buffer[] ty = f.pair(f.normal(n));
                double[] yv = f.uniform(n, -1, 1);
                Buffer[] yy = f.pair(yv);
                f.be.tanhBackwardTangent(x[0], g[0], yy[0], ty[0], o[0], n);
                f.ref.tanhBackwardTangent(x[1], g[1], yy[1], ty[1], o[1], n);
                f.same("tanhBackwardTangent", s, o, 8);
                Buffer[] gx = f.pair(f.uniform(n, -6, 6));
                f.be.geluBackwardTangent(x[0], g[0], gx[0], ty[0], o[0], n);
                f.ref.geluBackwardTangent(x[1], g[1], gx[1], ty[1], o[1], n);
                f.same("geluBackwardTangent", s, o, 8);
                Buffer[] sy = f.pair(f.uniform(n, 0, 1));
                f.be.sigmoidBackwardTangent(x[0], g[0], sy[0], ty[0], o[0], n);
                f.ref.sigmoidBackwardTangent(x[1], g[1], sy[1], ty[1], o[1], n);
                f.same("sigmoidBackwardTangent", s, o, 8);
                axpyAndDot(f, n, x, y);
            }
            int n = 300_001;
            axpyAndDot(f, n, f.pair(f.normal(n)), f.pair(f.normal(n)));
        }
    }

    /** {@code y += -0.75 x}, then {@code x . y}, on both backends. */
    private static void axpyAndDot(Fixture f, int n, Buffer[] x, Buffer[] y) {
        String s = "[" + n + "]";
        f.be.axpy(n, -0.75, x[0], y[0]);
        f.ref.axpy(n, -0.75, x[1], y[1]);
        f.same("axpy", s, y, 1);
        double got = f.be.dot(n, x[0], y[0]);
        double want = f.ref.dot(n, x[1], y[1]);
        f.close("dot", s, new double[]{got}, new double[]{want}, f.atol() * Math.sqrt(n) * 4, f.rtol());
        Buffer into = f.be.alloc(DType.F64, 3);
        try {
            f.be.dotInto(n, x[0], y[0], into, 1);
            double[] kept = HostData.toDoubles(into);
            assertEquals(got, kept[1], 0, "dotInto " + f.be.name() + " " + s + ": the value dot returns");
            assertEquals(0, kept[0] + kept[2], 0, "dotInto writes only out[outOff]");
        } finally {
            into.close();
        }
    }

    /**
     * Broadcast binary ops: same shape, scalar, row, column, middle axis, both operands broadcast, ranks that
     * differ, rank 0 against a vector, and a transposed operand.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void binaryBroadcast(Backends.Entry e, DType dt) {
        int[][][] shapes = {
                {{4099}, {4099}}, {{7}, {1}}, {{33, 7}, {7}}, {{33, 1}, {33, 7}}, {{3, 1, 33}, {1, 7, 33}},
                {{2, 33, 5}, {2, 1, 5}}, {{}, {}}, {{1}, {4099}}, {{65, 33}, {65, 33}}, {{3, 1, 5}, {1, 4, 5}},
                {{7}, {}}, {{2, 3, 1}, {3, 6}}};
        try (Fixture f = new Fixture(e, dt, 14)) {
            for (Binary op : Binary.values()) {
                for (int[][] sh : shapes) {
                    Broadcast bc = Broadcast.of(sh[0], sh[1]);
                    check(f, op, bc, size(sh[0]), size(sh[1]), Arrays.toString(sh[0]) + " (+) " + Arrays.toString(sh[1]));
                }
                // a = 33x7 read transposed from a 7x33 buffer: strides (1, 33)
                Broadcast tr = new Broadcast(new int[]{33, 7}, new long[]{1, 33}, 0, new long[]{7, 1}, 0);
                check(f, op, tr, 231, 231, "[33,7]^T (+) [33,7]");
            }
        }
    }

    /**
     * Binary ops on dense same-shaped operands (the CUDA dense kernel): lengths with vector tails (n % 4 = 0..3),
     * operand offsets that break 16-byte alignment (scalar path) or keep it, a 2-D shape that merges to one axis,
     * and in place (out = a).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void binaryDense(Backends.Entry e, DType dt) {
        try (Fixture f = new Fixture(e, dt, 15)) {
            for (Binary op : Binary.values()) {
                for (int n : new int[]{1, 3, 4, 7, 8, 33, 4099, 4100}) {
                    for (int[] off : new int[][]{{0, 0}, {1, 0}, {0, 3}, {4, 4}, {2, 6}}) {
                        Broadcast bc = new Broadcast(new int[]{n}, new long[]{1}, off[0], new long[]{1}, off[1]);
                        check(f, op, bc, n + off[0], n + off[1], "[" + n + "] dense, offsets " + Arrays.toString(off));
                    }
                }
                Broadcast bc = Broadcast.of(new int[]{65, 33}, new int[]{65, 33});
                check(f, op, bc, 65 * 33, 65 * 33, "[65,33] dense");
                double[] a = op == Binary.POW ? f.uniform(4099, 0.1, 3) : f.normal(4099);
                double[] b = op == Binary.DIV ? f.uniform(4099, 0.5, 2) : f.uniform(4099, -2, 2);
                Buffer[] pa = f.pair(a);
                Buffer[] pb = f.pair(b);
                Broadcast same = Broadcast.of(new int[]{4099}, new int[]{4099});
                f.be.binary(op, pa[0], pb[0], pa[0], same);
                f.ref.binary(op, pa[1], pb[1], pa[1], same);
                f.same(op.name() + " in place", "[4099] dense", pa, 1);
            }
        }
    }

    private static void check(Fixture f, Binary op, Broadcast bc, int na, int nb, String shape) {
        double[] a = op == Binary.POW ? f.uniform(na, 0.1, 3) : f.normal(na);
        double[] b = op == Binary.DIV ? f.uniform(nb, 0.5, 2) : op == Binary.POW ? f.uniform(nb, -2, 2) : f.normal(nb);
        if (op == Binary.EQ || op == Binary.GE) {
            for (int i = 0; i < Math.min(na, nb); i += 3) {
                a[i] = b[i];
            }
        }
        Buffer[] pa = f.pair(a);
        Buffer[] pb = f.pair(b);
        Buffer[] out = f.filled((int) bc.size(), Double.NaN);
        f.be.binary(op, pa[0], pb[0], out[0], bc);
        f.ref.binary(op, pa[1], pb[1], out[1], bc);
        f.same(op.name(), shape, out, 1);
    }

    private static int size(int[] s) {
        int n = 1;
        for (int d : s) {
            n *= d;
        }
        return n;
    }

    /**
     * SUM, SUMSQ, MAX, MIN over the middle of [outer, axis, inner] for shapes hitting each path and tail (the CUDA
     * paths: a block per row, axis split into several slices, a thread per output; an empty axis).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void reduce(Backends.Entry e, DType dt) {
        long[][] shapes = {{1, 4099, 1}, {7, 33, 1}, {3, 33, 7}, {1, 7, 33}, {2, 65, 37}, {5, 1, 4099},
                {2, 0, 3}, {1, 1, 1}, {4, 300, 1}, {3, 7, 5}, {5, 100, 1}, {4, 33, 70}, {2, 300, 70}, {600, 10, 1}};
        try (Fixture f = new Fixture(e, dt, 15)) {
            for (Reduce op : Reduce.values()) {
                for (long[] s : shapes) {
                    int n = (int) (s[0] * s[1] * s[2]);
                    Buffer[] x = f.pair(f.normal(n));
                    Buffer[] out = f.filled((int) (s[0] * s[2]), Double.NaN);
                    f.be.reduce(op, x[0], out[0], s[0], s[1], s[2]);
                    f.ref.reduce(op, x[1], out[1], s[0], s[1], s[2]);
                    f.same(op.name(), Arrays.toString(s), out, 4 * Math.sqrt(1 + s[1]));
                }
            }
        }
    }

    /** Row softmax and log-softmax, also in place, for 1x1 .. 3x4099 and shifted (large) inputs. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void softmax(Backends.Entry e, DType dt) {
        int[][] shapes = {{1, 1}, {7, 33}, {3, 4099}, {33, 7}, {2, 16}, {3, 1}};
        try (Fixture f = new Fixture(e, dt, 16)) {
            for (boolean log : new boolean[]{false, true}) {
                for (int[] s : shapes) {
                    int n = s[0] * s[1];
                    double[] x = f.normal(n);
                    for (int i = 0; i < n; i++) {
                        x[i] = 3 * x[i] + (i % 2 == 0 ? 50 : 0);
                    }
                    Buffer[] in = f.pair(x);
                    Buffer[] out = f.filled(n, Double.NaN);
                    String op = log ? "logSoftmax" : "softmax";
                    f.be.softmax(in[0], out[0], s[0], s[1], log);
                    f.ref.softmax(in[1], out[1], s[0], s[1], log);
                    f.same(op, Arrays.toString(s), out, 8);
                    f.be.softmax(in[0], in[0], s[0], s[1], log);
                    f.ref.softmax(in[1], in[1], s[0], s[1], log);
                    f.same(op + " in place", Arrays.toString(s), in, 8);
                }
            }
        }
    }

    /** Fused softmax cross-entropy per row, one-hot and soft targets, shifted (large) logits, 1x1 .. 3x4099. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void softmaxCrossEntropy(Backends.Entry e, DType dt) {
        int[][] shapes = {{1, 1}, {7, 33}, {3, 4099}, {33, 7}, {2, 16}, {3, 1}, {300, 10}};
        try (Fixture f = new Fixture(e, dt, 18)) {
            for (boolean soft : new boolean[]{false, true}) {
                for (int[] s : shapes) {
                    int rows = s[0];
                    int cols = s[1];
                    double[] z = f.normal(rows * cols);
                    double[] q = soft ? f.uniform(rows * cols, 0, 1) : new double[rows * cols];
                    int[] cls = f.ints(rows, cols);
                    for (int r = 0; r < rows; r++) {
                        double sum = 0;
                        for (int j = 0; j < cols; j++) {
                            z[r * cols + j] = 3 * z[r * cols + j] + (j % 2 == 0 ? 40 : 0);
                            sum += q[r * cols + j];
                        }
                        for (int j = 0; j < cols; j++) {
                            q[r * cols + j] = soft ? q[r * cols + j] / sum : (j == cls[r] ? 1 : 0);
                        }
                    }
                    Buffer[] pz = f.pair(z);
                    Buffer[] pq = f.pair(q);
                    Buffer[] out = f.filled(rows + 1, Double.NaN);
                    f.be.softmaxCrossEntropy(pz[0], pq[0], out[0], rows, cols);
                    f.ref.softmaxCrossEntropy(pz[1], pq[1], out[1], rows, cols);
                    f.same("softmaxCrossEntropy " + (soft ? "soft" : "one-hot"), Arrays.toString(s), out, 16);
                }
            }
        }
    }

    /**
     * Softmax rows whose maximum keeps growing (ascending: the online normaliser rescales at every element) or
     * shrinking, and rows with special values: -inf entries contribute 0, a row of only -inf, a NaN or a +inf gives
     * a NaN row, as in the three-pass reference.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void softmaxMonotoneAndSpecialRows(Backends.Entry e, DType dt) {
        double inf = Double.POSITIVE_INFINITY;
        try (Fixture f = new Fixture(e, dt, 17)) {
            for (int cols : new int[]{1, 7, 33, 300, 4099}) {
                double[] x = new double[2 * cols];
                for (int j = 0; j < cols; j++) {
                    x[j] = -20 + 40.0 * j / cols;
                    x[cols + j] = 30 - 0.01 * j;
                }
                for (boolean log : new boolean[]{false, true}) {
                    Buffer[] in = f.pair(x);
                    Buffer[] out = f.filled(x.length, Double.NaN);
                    f.be.softmax(in[0], out[0], 2, cols, log);
                    f.ref.softmax(in[1], out[1], 2, cols, log);
                    f.same(log ? "logSoftmax monotone" : "softmax monotone", "2x" + cols, out, 8);
                }
            }
            int cols = 40;
            double[][] rows = new double[5][cols];
            for (double[] r : rows) {
                for (int j = 0; j < cols; j++) {
                    r[j] = Math.sin(j);
                }
            }
            rows[0][0] = -inf;
            rows[0][17] = -inf;
            rows[0][39] = -inf;
            Arrays.fill(rows[1], -inf);
            rows[2][5] = Double.NaN;
            rows[3][33] = inf;
            rows[4][0] = inf;
            rows[4][1] = inf;
            double[] x = new double[5 * cols];
            for (int r = 0; r < 5; r++) {
                System.arraycopy(rows[r], 0, x, r * cols, cols);
            }
            for (boolean log : new boolean[]{false, true}) {
                Buffer[] in = f.pair(x);
                Buffer[] out = f.filled(x.length, 0);
                f.be.softmax(in[0], out[0], 5, cols, log);
                f.ref.softmax(in[1], out[1], 5, cols, log);
                f.same(log ? "logSoftmax special values" : "softmax special values", "5x" + cols, out, 8);
            }
        }
    }

    /** Layer norm forward (out, mean, rstd) and backward for several row lengths. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void layerNorm(Backends.Entry e, DType dt) {
        int[][] shapes = {{1, 1}, {7, 33}, {3, 4099}, {2, 7}, {5, 64}, {3, 1}, {5, 33}};
        try (Fixture f = new Fixture(e, dt, 17)) {
            for (int[] s : shapes) {
                int n = s[0] * s[1];
                String sh = Arrays.toString(s);
                double[] x = f.normal(n);
                for (int i = 0; i < n; i++) {
                    x[i] = 2 * x[i] + 3;
                }
                Buffer[] in = f.pair(x);
                Buffer[] out = f.filled(n, Double.NaN);
                Buffer[] mu = f.filled(s[0], Double.NaN);
                Buffer[] rs = f.filled(s[0], Double.NaN);
                f.be.layerNorm(in[0], out[0], mu[0], rs[0], s[0], s[1], 1e-5);
                f.ref.layerNorm(in[1], out[1], mu[1], rs[1], s[0], s[1], 1e-5);
                f.same("layerNorm out", sh, out, 16);
                f.same("layerNorm mean", sh, mu, 4);
                f.same("layerNorm rstd", sh, rs, 4);
                Buffer[] dy = f.pair(f.normal(n));
                Buffer[] dx = f.filled(n, Double.NaN);
                f.be.layerNormBackward(dy[0], in[0], mu[0], rs[0], dx[0], s[0], s[1]);
                f.ref.layerNormBackward(dy[1], in[1], mu[1], rs[1], dx[1], s[0], s[1]);
                f.same("layerNormBackward", sh, dx, 16 * Math.sqrt(s[1]));
            }
        }
    }

    /**
     * Fused causal attention forward (out, lse), backward (dq, dk, dv), forward-mode tangent (outDot from
     * tangents qDot, kDot, vDot) and the backward's tangent (dq', dk', dv' for 1 and 3 directions, written
     * interleaved per direction as the engine holds them), the last three from the oracle's out and lse, on shapes
     * {batch, heads, tq, tk, dh} that hit tile and vector tails: T = 1, T not a multiple of the CUDA tiles (16 query
     * rows, 32 keys), odd dh, dh above one 128-column pass, Tq < Tk (a last-position query). Outputs start as NaN, so
     * an element left unwritten fails.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void attention(Backends.Entry e, DType dt) {
        int[][] shapes = {{1, 1, 1, 1, 1}, {2, 3, 7, 7, 5}, {1, 2, 33, 33, 8}, {2, 1, 70, 70, 3}, {1, 2, 5, 9, 4},
                {1, 1, 1, 17, 6}, {1, 1, 20, 20, 130}, {1, 3, 16, 16, 32}, {2, 2, 47, 47, 17}};
        try (Fixture f = new Fixture(e, dt, 41)) {
            for (int[] s : shapes) {
                int b = s[0];
                int h = s[1];
                int tq = s[2];
                int tk = s[3];
                int dh = s[4];
                int nq = b * tq * h * dh;
                int nk = b * tk * h * dh;
                int nl = b * h * tq;
                double scale = 1 / Math.sqrt(dh);
                String sh = Arrays.toString(s);
                Buffer[] q = f.pair(f.normal(nq));
                Buffer[] k = f.pair(f.normal(nk));
                Buffer[] v = f.pair(f.normal(nk));
                Buffer[] out = f.filled(nq, Double.NaN);
                Buffer[] lse = f.filled(nl, Double.NaN);
                f.be.attention(q[0], k[0], v[0], out[0], lse[0], b, h, tq, tk, dh, scale);
                f.ref.attention(q[1], k[1], v[1], out[1], lse[1], b, h, tq, tk, dh, scale);
                f.same("attention out", sh, out, 64);
                f.same("attention lse", sh, lse, 16);
                Buffer[] o = f.pair(HostData.toDoubles(out[1]));
                Buffer[] l = f.pair(HostData.toDoubles(lse[1]));
                Buffer[] g = f.pair(f.normal(nq));
                Buffer[] dq = f.filled(nq, Double.NaN);
                Buffer[] dk = f.filled(nk, Double.NaN);
                Buffer[] dv = f.filled(nk, Double.NaN);
                f.be.attentionBackward(q[0], k[0], v[0], o[0], l[0], g[0], dq[0], dk[0], dv[0], b, h, tq, tk, dh, scale);
                f.ref.attentionBackward(q[1], k[1], v[1], o[1], l[1], g[1], dq[1], dk[1], dv[1], b, h, tq, tk, dh, scale);
                double sc = 64 * Math.sqrt(tk);
                f.same("attentionBackward dq", sh, dq, sc);
                f.same("attentionBackward dk", sh, dk, sc);
                f.same("attentionBackward dv", sh, dv, sc);
                Buffer[] qd = f.pair(f.normal(nq));
                Buffer[] kd = f.pair(f.normal(nk));
                Buffer[] vd = f.pair(f.normal(nk));
                Buffer[] od = f.filled(nq, Double.NaN);
                f.be.attentionJvp(q[0], k[0], v[0], o[0], l[0], qd[0], kd[0], vd[0], od[0], b, h, tq, tk, dh, scale);
                f.ref.attentionJvp(q[1], k[1], v[1], o[1], l[1], qd[1], kd[1], vd[1], od[1], b, h, tq, tk, dh, scale);
                f.same("attentionJvp", sh, od, 64);
                for (int kb : new int[]{1, 3}) {
                    Buffer[] qt = f.pair(f.normal(kb * nq));
                    Buffer[] kt = f.pair(f.normal(kb * nk));
                    Buffer[] vt = f.pair(f.normal(kb * nk));
                    Buffer[] gt = f.pair(f.normal(kb * nq));
                    int stride = nq + 2 * nk;
                    Buffer[] all = f.filled(kb * stride, Double.NaN);
                    for (int i = 0; i < 2; i++) {
                        Backend be = i == 0 ? f.be : f.ref;
                        try (Buffer a = all[i].slice(0, all[i].length()); Buffer bk = all[i].slice(nq, all[i].length()
                                - nq); Buffer bv = all[i].slice(nq + nk, all[i].length() - nq - nk)) {
                            be.attentionBackwardJvp(q[i], k[i], v[i], l[i], g[i], qt[i], kt[i], vt[i], gt[i], a,
                                    bk, bv, kb, stride, b, h, tq, tk, dh, scale);
                        }
                    }
                    f.same("attentionBackwardJvp kb " + kb, sh, all, sc);
                }
            }
        }
    }

    /**
     * gather and deterministic scatter-add with repeated indices; shapes are (table rows, cols, n, index bound), one
     * leaving the table's final rows untouched, the last two with more than 256 rows and 256 indices (a CUDA
     * device sort of two and three passes over several blocks).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void gatherScatter(Backends.Entry e, DType dt) {
        int[][] shapes = {{33, 7, 50, 33}, {5, 4099, 9, 5}, {1, 1, 1, 1}, {7, 33, 3, 7}, {10, 7, 33, 8},
                {300, 3, 1100, 300}, {70_000, 1, 600, 70_000}};
        try (Fixture f = new Fixture(e, dt, 18)) {
            for (int[] s : shapes) {
                int rows = s[0];
                int cols = s[1];
                int n = s[2];
                String sh = "table " + rows + "x" + cols + ", n " + n;
                Buffer[] table = f.pair(f.normal(rows * cols));
                Buffer[] idx = f.pairInts(f.ints(n, s[3]));
                Buffer[] out = f.filled(n * cols, Double.NaN);
                f.be.gatherRows(table[0], rows, cols, idx[0], n, out[0]);
                f.ref.gatherRows(table[1], rows, cols, idx[1], n, out[1]);
                f.same("gatherRows", sh, out, 0);
                Buffer[] src = f.pair(f.normal(n * cols));
                f.be.scatterAddRows(src[0], idx[0], n, cols, table[0], rows);
                f.ref.scatterAddRows(src[1], idx[1], n, cols, table[1], rows);
                f.same("scatterAddRows", sh, table, 0);
            }
        }
    }

    /**
     * Uniform and normal streams are identical to the reference (same seed and offset), also at an offset, one
     * crossing 2^32 and one above it, and with a seed whose high word is not zero.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void rngStreams(Backends.Entry e, DType dt) {
        try (Fixture f = new Fixture(e, dt, 19)) {
            for (long seed : new long[]{77, 0x1234_5678_9abcL}) {
                for (int n : SIZES) {
                    for (long offset : new long[]{0, 5, (1L << 32) - 3, 1L << 33}) {
                        String sh = "[" + n + "] seed " + seed + " offset " + offset;
                        Buffer[] u = f.filled(n, Double.NaN);
                        f.be.uniform(u[0], n, seed, offset, -2, 3);
                        f.ref.uniform(u[1], n, seed, offset, -2, 3);
                        f.same("uniform", sh, u, 0);
                        f.be.normal(u[0], n, seed + 1, offset, 1, 2);
                        f.ref.normal(u[1], n, seed + 1, offset, 1, 2);
                        f.same("normal", sh, u, 1);
                    }
                }
            }
        }
    }

    /**
     * fill, convert, copy (also overlapping, forwards and backwards, within one buffer) and strided copies
     * (transpose, slice, broadcast-expand, broadcast-expand of an offset slice, reversed axis, rank 0).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void memory(Backends.Entry e, DType dt) {
        try (Fixture f = new Fixture(e, dt, 20)) {
            for (int n : SIZES) {
                Buffer[] x = f.pair(f.normal(n));
                Buffer[] y = f.filled(n + 3, 0);
                f.be.fill(y[0], 1, n, -1.25);
                f.ref.fill(y[1], 1, n, -1.25);
                f.same("fill", "[" + n + "] at 1", y, 0);
                f.be.copy(x[0], 0, y[0], 2, n);
                f.ref.copy(x[1], 0, y[1], 2, n);
                f.same("copy", "[" + n + "] to 2", y, 0);
                DType other = dt == DType.F32 ? DType.F64 : DType.F32;
                Buffer c0 = f.keep(f.be.alloc(other, n));
                Buffer c1 = f.keep(f.ref.alloc(other, n));
                f.be.convert(x[0], c0, n);
                f.ref.convert(x[1], c1, n);
                assertEquals(Arrays.toString(HostData.toDoubles(c1)), Arrays.toString(HostData.toDoubles(c0)),
                        f.where("convert", "[" + n + "]"));
            }
            Buffer[] o = f.pair(f.normal(300));
            f.be.copy(o[0], 0, o[0], 7, 200);
            f.ref.copy(o[1], 0, o[1], 7, 200);
            f.same("copy overlapping", "[300] 0..200 to 7", o, 0);
            f.be.copy(o[0], 50, o[0], 3, 200);
            f.ref.copy(o[1], 50, o[1], 3, 200);
            f.same("copy overlapping", "[300] 50..250 to 3", o, 0);
            Broadcast[] views = {
                    new Broadcast(new int[]{33, 65}, new long[]{1, 33}, 0, new long[2], 0),
                    new Broadcast(new int[]{40, 50}, new long[]{1, 42}, 5, new long[2], 0),
                    new Broadcast(new int[]{5, 20}, new long[]{65, 1}, 70, new long[2], 0),
                    new Broadcast(new int[]{4, 65, 33}, new long[]{0, 33, 1}, 0, new long[3], 0),
                    new Broadcast(new int[]{65, 33}, new long[]{-33, 1}, 64 * 33, new long[2], 0),
                    new Broadcast(new int[]{4, 5, 6}, new long[]{0, 7, 1}, 2, new long[3], 0),
                    new Broadcast(new int[]{}, new long[]{}, 7, new long[]{}, 0)};
            Buffer[] src = f.pair(f.normal(65 * 33));
            for (Broadcast v : views) {
                Buffer[] dst = f.filled((int) v.size() + 1, Double.NaN);
                f.be.copyStrided(src[0], v, dst[0], 1);
                f.ref.copyStrided(src[1], v, dst[1], 1);
                f.same("copyStrided", Arrays.toString(v.shape()) + " strides " + Arrays.toString(v.stridesA()), dst, 0);
            }
        }
    }

    /**
     * Strided copies that are transposes of the last two axes (the CUDA tile kernel): tails on both tile axes,
     * 1 x N and N x 2 shapes, a padded leading dimension, a reversed axis, batches with a dense, a broadcast (0) and
     * an unmergeable two-axis batch stride, and permutes of a 4-D tensor.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void copyStridedTransposes(Backends.Entry e, DType dt) {
        try (Fixture f = new Fixture(e, dt, 19)) {
            Broadcast[] views = {
                    new Broadcast(new int[]{33, 65}, new long[]{1, 33}, 0, new long[2], 0),
                    new Broadcast(new int[]{65, 33}, new long[]{1, 65}, 3, new long[2], 0),
                    new Broadcast(new int[]{1, 300}, new long[]{1, 1}, 0, new long[2], 0),
                    new Broadcast(new int[]{2, 300}, new long[]{1, 2}, 0, new long[2], 0),
                    new Broadcast(new int[]{300, 2}, new long[]{1, 300}, 0, new long[2], 0),
                    new Broadcast(new int[]{70, 200}, new long[]{1, 71}, 9, new long[2], 0),
                    new Broadcast(new int[]{33, 65}, new long[]{1, -33}, 64 * 33, new long[2], 0),
                    new Broadcast(new int[]{3, 33, 65}, new long[]{33 * 65, 1, 33}, 0, new long[3], 0),
                    new Broadcast(new int[]{3, 65, 33}, new long[]{0, 1, 65}, 1, new long[3], 0),
                    new Broadcast(new int[]{2, 3, 40, 33}, new long[]{3960, 1320, 1, 40}, 0, new long[4], 0),
                    new Broadcast(new int[]{3, 2, 40, 33}, new long[]{1320, 3960, 1, 40}, 0, new long[4], 0),
                    new Broadcast(new int[]{2, 1, 33, 7}, new long[]{7000, 0, 1, 33}, 2, new long[4], 0)};
            Buffer[] src = f.pair(f.normal(14700));
            for (Broadcast v : views) {
                Buffer[] dst = f.filled((int) v.size() + 2, Double.NaN);
                f.be.copyStrided(src[0], v, dst[0], 1);
                f.ref.copyStrided(src[1], v, dst[1], 1);
                f.same("copyStrided transpose", Arrays.toString(v.shape()) + " strides " + Arrays.toString(v.stridesA()),
                        dst, 0);
            }
        }
    }
}
