package carnot.engine;

import carnot.engine.ops.LayerNorm;
import carnot.engine.ops.MatMulSum;
import carnot.engine.ops.TanhGrad;
import carnot.engine.ops.SoftmaxCrossEntropy;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Table-driven derivative checks for every primitive (in the spirit of JAX's check_grads), seeded, with random
 * shapes including broadcasting and odd tails. For each case in f64:
 * jvp = central finite differences; ⟨u, J v⟩ = ⟨Jᵀu, v⟩; the tangent of the vjp (forward-over-reverse, second
 * order) = finite differences of the vjp; reverse-over-reverse agrees with forward-over-reverse; a k = 2 tangent
 * batch equals two single tangents. In f32 the same analytic quantities match the f64 ones to f32 tolerance.
 */
class PrimitiveCheckTest {
    static final Backend BE = new RefBackend();

    enum Kind { NORMAL, POSITIVE, AWAY, DISTINCT, MASK, INDEX }

    record In(Kind kind, int bound, int... shape) {
        static In n(int... s) {
            return new In(Kind.NORMAL, 0, s);
        }

        static In pos(int... s) {
            return new In(Kind.POSITIVE, 0, s);
        }

        boolean diff() {
            return kind != Kind.MASK && kind != Kind.INDEX;
        }
    }

    record Case(String name, Function<List<Tensor>, Tensor> f, In... ins) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("matmul", x -> x.get(0).matmul(x.get(1)), In.n(3, 5), In.n(5, 4)),
                new Case("matmul batched x 2d", x -> x.get(0).matmul(x.get(1)), In.n(2, 3, 5), In.n(5, 4)),
                new Case("matmul 2d x batched", x -> x.get(0).matmul(x.get(1)), In.n(3, 5), In.n(2, 5, 4)),
                new Case("matmul broadcast batch", x -> x.get(0).matmul(x.get(1)), In.n(2, 1, 3, 5), In.n(3, 5, 2)),
                new Case("matmul transA", x -> x.get(0).matmul(x.get(1), true, false), In.n(5, 3), In.n(5, 4)),
                new Case("matmul transB", x -> x.get(0).matmul(x.get(1), false, true), In.n(2, 3, 5), In.n(4, 5)),
                new Case("matmul transA transB", x -> x.get(0).matmul(x.get(1), true, true), In.n(2, 5, 3), In.n(2, 4, 5)),
                new Case("matmulSum", x -> Tensor.apply(new MatMulSum(false, true), x.get(0), x.get(1), x.get(2), x.get(3)),
                        In.n(2, 3, 5), In.n(4, 5), In.n(3, 2), In.n(2, 4, 2)),
                new Case("matmulSum broadcast terms", x -> Tensor.apply(new MatMulSum(false, false), x.get(0), x.get(1), x.get(2), x.get(3)),
                        In.n(3, 5), In.n(5, 4), In.n(2, 3, 2), In.n(2, 4)),
                new Case("matmulAdd bias", x -> x.get(0).matmulAdd(x.get(1), x.get(2), false, true),
                        In.n(2, 3, 5), In.n(4, 5), In.n(4)),
                new Case("matmulAdd transA, addend [m, 1]", x -> x.get(0).matmulAdd(x.get(1), x.get(2), true, false),
                        In.n(5, 3), In.n(5, 4), In.n(3, 1)),
                new Case("matmulSum + addend", x -> Tensor.apply(new MatMulSum(false, false), x.get(0), x.get(1), x.get(2),
                        x.get(3), x.get(4)), In.n(3, 5), In.n(5, 4), In.n(3, 2), In.n(2, 4), In.n(4)),
                new Case("add broadcast", x -> x.get(0).add(x.get(1)), In.n(3, 4), In.n(4)),
                new Case("add broadcast both", x -> x.get(0).add(x.get(1)), In.n(2, 1, 3), In.n(4, 1)),
                new Case("sub broadcast", x -> x.get(0).sub(x.get(1)), In.n(3, 1), In.n(2, 3, 5)),
                new Case("mul broadcast", x -> x.get(0).mul(x.get(1)), In.n(2, 3, 5), In.n(3, 1)),
                new Case("mul same", x -> x.get(0).mul(x.get(0)), In.n(7)),
                new Case("div broadcast", x -> x.get(0).div(x.get(1)), In.n(3, 5), In.pos(5)),
                new Case("neg", x -> x.get(0).neg(), In.n(4, 3)),
                new Case("affine", x -> x.get(0).affine(-1.5, 0.25), In.n(5)),
                new Case("exp", x -> x.get(0).exp(), In.n(3, 7)),
                new Case("log", x -> x.get(0).log(), In.pos(3, 7)),
                new Case("pow 3", x -> x.get(0).pow(3), In.n(11)),
                new Case("pow -0.5", x -> x.get(0).pow(-0.5), In.pos(6)),
                new Case("pow 1.7", x -> x.get(0).pow(1.7), In.pos(6)),
                new Case("sqrt", x -> x.get(0).sqrt(), In.pos(2, 5)),
                new Case("square", x -> x.get(0).square(), In.n(2, 5)),
                new Case("pow tensor", x -> x.get(0).pow(x.get(1)), In.pos(3, 4), In.n(4)),
                new Case("tanh", x -> x.get(0).tanh(), In.n(3, 9)),
                new Case("tanhGrad", x -> Tensor.apply(new TanhGrad(), x.get(0), x.get(1)), In.n(2, 3, 4), In.n(3, 4)),
                new Case("dtanh", x -> x.get(0).dtanh(), In.n(9)),
                new Case("relu", x -> x.get(0).relu(), new In(Kind.AWAY, 0, 4, 5)),
                new Case("gelu", x -> x.get(0).gelu(), In.n(4, 5)),
                new Case("sigmoid", x -> x.get(0).sigmoid(), In.n(4, 5)),
                new Case("softplus", x -> x.get(0).softplus(), In.n(4, 5)),
                new Case("sum all", x -> x.get(0).sum(), In.n(3, 4)),
                new Case("sum axes", x -> x.get(0).sum(0, 2), In.n(2, 3, 5)),
                new Case("sumKeep last", x -> x.get(0).sumKeep(-1), In.n(2, 3, 5)),
                new Case("mean", x -> x.get(0).mean(1), In.n(4, 6)),
                new Case("max", x -> x.get(0).max(1), new In(Kind.DISTINCT, 0, 3, 5)),
                new Case("max all", x -> x.get(0).max(), new In(Kind.DISTINCT, 0, 2, 3)),
                new Case("reshape", x -> x.get(0).reshape(4, -1), In.n(2, 3, 2)),
                new Case("transpose", x -> x.get(0).transpose(0, 2), In.n(2, 3, 4)),
                new Case("permute", x -> x.get(0).permute(1, 2, 0), In.n(2, 3, 4)),
                new Case("slice", x -> x.get(0).slice(1, 1, 4), In.n(3, 5, 2)),
                new Case("concat", x -> Tensor.concat(1, x.get(0), x.get(1)), In.n(2, 3, 2), In.n(2, 1, 2)),
                new Case("broadcastTo", x -> x.get(0).broadcastTo(2, 3, 4), In.n(3, 1)),
                new Case("gather", x -> x.get(0).gather(x.get(1)), In.n(5, 3), new In(Kind.INDEX, 5, 2, 4)),
                new Case("scatterAdd", x -> x.get(0).scatterAdd(x.get(1), 4), In.n(6, 3), new In(Kind.INDEX, 4, 6)),
                new Case("where", x -> Tensor.where(x.get(0), x.get(1), x.get(2)), new In(Kind.MASK, 0, 3, 4), In.n(3, 4), In.n(4)),
                new Case("softmax", x -> x.get(0).softmax(), In.n(3, 6)),
                new Case("logSoftmax", x -> x.get(0).logSoftmax(), In.n(2, 2, 5)),
                new Case("layerNorm", x -> x.get(0).layerNorm(1e-5), In.n(3, 7)),
                new Case("attention", x -> x.get(0).attention(x.get(1), x.get(2), 0.7), In.n(2, 5, 3, 4), In.n(2, 5, 3, 4),
                        In.n(2, 5, 3, 4)),
                new Case("attention last query", x -> x.get(0).attention(x.get(1), x.get(2), 0.5), In.n(2, 1, 2, 3),
                        In.n(2, 4, 2, 3), In.n(2, 4, 2, 3)),
                new Case("attention Tq < Tk", x -> x.get(0).attention(x.get(1), x.get(2), 0.5), In.n(1, 3, 2, 3),
                        In.n(1, 5, 2, 3), In.n(1, 5, 2, 3)),
                new Case("layerNorm decomposed", x -> LayerNorm.decomposed(x.get(0), 1e-5), In.n(3, 7)),
                new Case("mse", x -> Loss.MSE.apply(x.get(0), x.get(1), 4), In.n(4, 3), In.n(4, 3)),
                new Case("ce", x -> Loss.CE.apply(x.get(0), x.get(1)), In.n(5, 4), new In(Kind.INDEX, 4, 5)),
                new Case("softmaxCrossEntropy soft targets", x -> Tensor.apply(new SoftmaxCrossEntropy(), x.get(0), x.get(1).softmax()),
                        In.n(3, 5), In.n(3, 5)),
                new Case("ce sequence", x -> Loss.CE.apply(x.get(0), x.get(1)), In.n(2, 3, 4), new In(Kind.INDEX, 4, 2, 3)),
                new Case("composite mlp", x -> x.get(0).matmul(x.get(1)).add(x.get(2)).tanh().matmul(x.get(3)).softplus().sum(1),
                        In.n(4, 3), In.n(3, 5), In.n(5), In.n(5, 2)));
    }

    @AfterAll
    static void close() {
        BE.close();
    }

    static double[] hostData(In in, Random r) {
        int n = 1;
        for (int d : in.shape()) {
            n *= d;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (in.kind()) {
                case NORMAL -> r.nextGaussian();
                case POSITIVE -> 0.5 + 1.5 * r.nextDouble();
                case AWAY -> (r.nextBoolean() ? 1 : -1) * (0.1 + Math.abs(r.nextGaussian()));
                case DISTINCT -> 0.1 * i;
                case MASK -> r.nextBoolean() ? 1 : 0;
                case INDEX -> r.nextInt(in.bound());
            };
        }
        if (in.kind() == Kind.DISTINCT) {
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
            }
        }
        return v;
    }

    static Tensor make(In in, double[] d, DType dt) {
        if (in.kind() == Kind.INDEX) {
            int[] ids = new int[d.length];
            for (int i = 0; i < d.length; i++) {
                ids[i] = (int) d[i];
            }
            return Tensor.indices(BE, ids, in.shape());
        }
        return Tensor.of(BE, dt, d, in.shape());
    }

    /** Host values of inputs, directions v (k = 2 rows), cotangent u and second cotangent w for one case. */
    record Data(double[][] x, double[][] v0, double[][] v1, double[] u, double[] w) {
    }

    static Data data(Case c) {
        Random r = new Random(c.name().hashCode());
        double[][] x = new double[c.ins().length][];
        double[][] v0 = new double[x.length][];
        double[][] v1 = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            x[i] = hostData(c.ins()[i], r);
            v0[i] = hostData(In.n(c.ins()[i].shape()), r);
            v1[i] = hostData(In.n(c.ins()[i].shape()), r);
        }
        return new Data(x, v0, v1, null, null);
    }

    /** Everything the checks compare, computed analytically in one dtype. */
    record Analytic(double[] out, double[] jv, double[] jtu, double[] secondOrder, double[] jvBatch1) {
    }

    static List<Tensor> inputs(Case c, double[][] x, DType dt) {
        var l = new ArrayList<Tensor>();
        for (int i = 0; i < x.length; i++) {
            l.add(make(c.ins()[i], x[i], dt));
        }
        return l;
    }

    static double[][] shifted(Case c, double[][] x, double[][] v, double h) {
        double[][] r = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            r[i] = x[i].clone();
            if (c.ins()[i].diff()) {
                for (int j = 0; j < r[i].length; j++) {
                    r[i][j] += h * v[i][j];
                }
            }
        }
        return r;
    }

    /** Gradient of ⟨u, f(x)⟩ with respect to the differentiable inputs, flattened. */
    static double[] vjp(Case c, double[][] x, double[] u, DType dt) {
        try (Scope s = Scope.open()) {
            List<Tensor> xs = variables(c, inputs(c, x, dt));
            Tensor out = c.f().apply(xs);
            return Check.concat(Autodiff.backward(out, Tensor.of(BE, dt, u, out.shape()), diffOnly(c, xs), false));
        }
    }

    static List<Tensor> variables(Case c, List<Tensor> xs) {
        var l = new ArrayList<Tensor>();
        for (int i = 0; i < xs.size(); i++) {
            l.add(c.ins()[i].diff() ? xs.get(i).variable() : xs.get(i));
        }
        return l;
    }

    static List<Tensor> diffOnly(Case c, List<Tensor> xs) {
        var l = new ArrayList<Tensor>();
        for (int i = 0; i < xs.size(); i++) {
            if (c.ins()[i].diff()) {
                l.add(xs.get(i));
            }
        }
        return l;
    }

    static double[] flatDiff(Case c, double[][] v) {
        var l = new ArrayList<Double>();
        for (int i = 0; i < v.length; i++) {
            if (c.ins()[i].diff()) {
                for (double d : v[i]) {
                    l.add(d);
                }
            }
        }
        return l.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static Analytic analytic(Case c, Data d, double[] u, DType dt) {
        try (Scope s = Scope.open()) {
            List<Tensor> xs = inputs(c, d.x(), dt);
            var vs = new ArrayList<Tensor>();
            var batch = new ArrayList<Tensor>();
            for (int i = 0; i < xs.size(); i++) {
                if (c.ins()[i].diff()) {
                    vs.add(Tensor.of(BE, dt, d.v0()[i], c.ins()[i].shape()));
                    double[] both = new double[2 * d.v0()[i].length];
                    System.arraycopy(d.v0()[i], 0, both, 0, d.v0()[i].length);
                    System.arraycopy(d.v1()[i], 0, both, d.v0()[i].length, d.v1()[i].length);
                    int[] bs = new int[c.ins()[i].shape().length + 1];
                    bs[0] = 2;
                    System.arraycopy(c.ins()[i].shape(), 0, bs, 1, bs.length - 1);
                    batch.add(Tensor.of(BE, dt, both, bs));
                } else {
                    vs.add(null);
                    batch.add(null);
                }
            }
            var jvp = Autodiff.jvp(c.f(), xs, vs);
            var jvpBatch = Autodiff.jvp(c.f(), xs, batch);
            double[] jb = jvpBatch.tangent().toDoubles();
            double[] jb1 = java.util.Arrays.copyOfRange(jb, jb.length / 2, jb.length);
            double[] jtu = vjp(c, d.x(), u, dt);
            var withTan = new ArrayList<Tensor>();
            for (int i = 0; i < xs.size(); i++) {
                withTan.add(vs.get(i) == null ? xs.get(i) : xs.get(i).withTangent(vs.get(i)).variable());
            }
            Tensor out = c.f().apply(withTan);
            List<Tensor> gs = Autodiff.backward(out, Tensor.of(BE, dt, u, out.shape()), diffOnly(c, withTan), false);
            var tans = new ArrayList<Tensor>();
            for (Tensor g : gs) {
                tans.add(g.tangent() == null ? Tensor.zeros(BE, dt, g.shape()) : g.tangent().reshape(g.shape()));
            }
            return new Analytic(jvp.out().toDoubles(), jvp.tangent().toDoubles(), jtu, Check.concat(tans), jb1);
        }
    }

    static double[] randomLike(double[] shapeOf, long seed) {
        Random r = new Random(seed);
        double[] u = new double[shapeOf.length];
        for (int i = 0; i < u.length; i++) {
            u[i] = r.nextGaussian();
        }
        return u;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void f64DerivativesMatchFiniteDifferencesAndAdjointsToSecondOrder(Case c) {
        long live = Scope.liveBuffers();
        Data d = data(c);
        double[] out0;
        try (Scope s = Scope.open()) {
            out0 = c.f().apply(inputs(c, d.x(), DType.F64)).toDoubles();
        }
        double[] u = randomLike(out0, 7);
        Analytic a = analytic(c, d, u, DType.F64);
        double h = 1e-5;
        double[] fd = Check.central(t -> {
            try (Scope s = Scope.open()) {
                return c.f().apply(inputs(c, shifted(c, d.x(), d.v0(), t), DType.F64)).toDoubles();
            }
        }, h);
        Check.close(c + " jvp vs central differences", fd, a.jv(), 1e-6);
        double[] v = flatDiff(c, d.v0());
        Check.close(c + " <u, Jv> = <J^T u, v>", Check.dot(u, a.jv()), Check.dot(a.jtu(), v), 1e-11);
        double[] fd2 = Check.central(t -> vjp(c, shifted(c, d.x(), d.v0(), t), u, DType.F64), h);
        double floor = 1e-9 * Math.max(1, Check.norm(a.jtu()));
        double e2 = Check.relErr(fd2, a.secondOrder(), floor);
        org.junit.jupiter.api.Assertions.assertTrue(e2 <= 1e-6, c + " jvp of vjp vs finite differences of vjp: " + e2);
        double[] jv1 = Check.central(t -> {
            try (Scope s = Scope.open()) {
                return c.f().apply(inputs(c, shifted(c, d.x(), d.v1(), t), DType.F64)).toDoubles();
            }
        }, h);
        Check.close(c + " second row of a k=2 tangent batch", jv1, a.jvBatch1(), 1e-6);
        reverseOverReverse(c, d, u, a);
        org.junit.jupiter.api.Assertions.assertEquals(live, Scope.liveBuffers(), c + ": scopes must free every buffer");
    }

    /** ⟨∇_x ⟨w, ∇_x⟨u, f⟩⟩, v⟩ (double backward) equals ⟨w, d/dε ∇_x⟨u, f(x + εv)⟩⟩ (forward-over-reverse). */
    static void reverseOverReverse(Case c, Data d, double[] u, Analytic a) {
        double[] w = randomLike(a.jtu(), 11);
        try (Scope s = Scope.open()) {
            List<Tensor> xs = variables(c, inputs(c, d.x(), DType.F64));
            Tensor out = c.f().apply(xs);
            List<Tensor> diff = diffOnly(c, xs);
            List<Tensor> gs = Autodiff.backward(out, Tensor.of(BE, DType.F64, u, out.shape()), diff, true);
            Tensor sum = null;
            int at = 0;
            for (Tensor g : gs) {
                int n = (int) g.size();
                Tensor wi = Tensor.of(BE, DType.F64, java.util.Arrays.copyOfRange(w, at, at + n), g.shape());
                at += n;
                Tensor term = g.mul(wi).sum();
                sum = sum == null ? term : sum.add(term);
            }
            if (!sum.requiresGrad()) {
                Check.close(c + " second order is zero", 0, Check.norm(a.secondOrder()), 1e-12);
                return;
            }
            double[] hw = Check.concat(Autodiff.grad(sum, diff));
            double lhs = Check.dot(hw, flatDiff(c, d.v0()));
            double rhs = Check.dot(w, a.secondOrder());
            double scale = Math.max(1e-9, Check.norm(hw) * Check.norm(flatDiff(c, d.v0())));
            org.junit.jupiter.api.Assertions.assertTrue(Math.abs(lhs - rhs) <= 1e-10 * scale,
                    c + " reverse-over-reverse " + lhs + " vs forward-over-reverse " + rhs);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void f32DerivativesMatchF64ToSinglePrecision(Case c) {
        Data d = data(c);
        double[] out0;
        try (Scope s = Scope.open()) {
            out0 = c.f().apply(inputs(c, d.x(), DType.F64)).toDoubles();
        }
        double[] u = randomLike(out0, 7);
        Analytic a64 = analytic(c, d, u, DType.F64);
        Analytic a32 = analytic(c, d, u, DType.F32);
        double tol = 2e-5;
        Check.close(c + " f32 value", a64.out(), a32.out(), tol);
        Check.close(c + " f32 jvp", a64.jv(), a32.jv(), tol);
        Check.close(c + " f32 vjp", a64.jtu(), a32.jtu(), tol);
        double floor = 1e-6 * Math.max(1, Check.norm(a64.jtu()));
        double e = Check.relErr(a64.secondOrder(), a32.secondOrder(), floor);
        org.junit.jupiter.api.Assertions.assertTrue(e <= 1e-4, c + " f32 second order rel err " + e);
    }
}
