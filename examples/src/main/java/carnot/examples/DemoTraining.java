package carnot.examples;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.LinearOperator;
import carnot.engine.Linearized;
import carnot.engine.Loss;
import carnot.engine.Param;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;

import java.io.PrintStream;

/**
 * The main job of the README: full-batch gradient descent on a small tanh MLP (16-64-64-4) fitting a random
 * teacher network's outputs (N = 512, MSE), printing the loss and the top Hessian eigenvalue λ_max (power
 * iteration on exact Hessian-vector products, warm-started) every few steps, next to the stability threshold 2/η.
 */
public final class DemoTraining {
    private DemoTraining() {
    }

    /** Validated settings of a demo run. */
    public record Settings(long seed, int steps, int every, double lr, DType dtype) {
        public Settings {
            if (steps < 1 || every < 1) {
                throw new IllegalArgumentException("steps and every must be >= 1; given steps=" + steps + ", every=" + every);
            }
            if (!(lr > 0) || !Double.isFinite(lr)) {
                throw new IllegalArgumentException("lr must be a positive finite number; given " + lr);
            }
            if (!dtype.isFloating()) {
                throw new IllegalArgumentException("dtype must be F32 or F64; given " + dtype);
            }
        }

        /** 200 steps, report every 20, η = 0.5, f64. */
        public static Settings defaults(long seed) {
            return new Settings(seed, 200, 20, 0.5, DType.F64);
        }
    }

    /** Runs the demo with default settings on a 1-thread CPU backend (the model is small and latency-bound); returns 0 on success (the CLI exit code). */
    public static int run(PrintStream out, long seed) {
        try (Backend be = new CpuBackend(1)) {
            return run(out, be, Settings.defaults(seed));
        }
    }

    /** Runs the demo on {@code be}; returns 0 when the loss decreased, 1 otherwise. */
    public static int run(PrintStream out, Backend be, Settings s) {
        int[] widths = {16, 64, 64, 4};
        int n = 512;
        try (Scope outer = Scope.open()) {
            Mlp teacher = new Mlp(be, s.dtype(), widths, Activation.TANH, true, s.seed() + 1);
            Tensor x = Tensor.randn(be, s.dtype(), s.seed(), 0, 1, n, widths[0]);
            DataSet data = new ArrayDataSet(x, teacher.forward(x).mul(2));
            Mlp model = new Mlp(be, s.dtype(), widths, Activation.TANH, true, s.seed());
            out.printf("Carnot demo: MLP %s tanh, N=%d, MSE, full-batch GD lr=%.3g (2/lr = %.3g), P=%d, %s on %s%n",
                    java.util.Arrays.toString(widths), n, s.lr(), 2 / s.lr(), model.numParams(), s.dtype(), be.name());
            out.printf("%6s %14s %12s%n", "step", "loss", "lambda_max");
            Tensor v = Tensor.randn(be, s.dtype(), s.seed() + 2, 0, 1, (int) model.numParams());
            double first = Double.NaN;
            double last = Double.NaN;
            long t0 = System.nanoTime();
            for (int step = 0; step <= s.steps(); step++) {
                try (Scope sc = Scope.open()) {
                    Grad g = Grad.of(model, Loss.MSE, data, n);
                    if (step == 0) {
                        first = g.loss();
                    }
                    last = g.loss();
                    if (step % s.every() == 0 || step == s.steps()) {
                        double[] lambda = new double[1];
                        Tensor nv;
                        try (Linearized h = Hessian.of(model, Loss.MSE, data, n).linearize()) {
                            nv = sc.keep(power(h, v, 20, lambda));
                        }
                        v.close();
                        v = nv;
                        out.printf("%6d %14.6e %12.5f%n", step, g.loss(), lambda[0]);
                    }
                    if (step < s.steps()) {
                        for (int i = 0; i < model.params().size(); i++) {
                            Param p = model.params().get(i);
                            Tensor next = sc.keep(p.value().sub(g.grad().get(i).mul(s.lr())));
                            p.value().close();
                            p.set(next);
                        }
                    }
                }
            }
            out.printf("loss %.4e -> %.4e in %.2f s%n", first, last, (System.nanoTime() - t0) / 1e9);
            return last < first ? 0 : 1;
        }
    }

    /** Power iteration on H from {@code v0}: returns the unit top eigenvector estimate; lambda[0] = Rayleigh quotient. */
    static Tensor power(LinearOperator h, Tensor v0, int iters, double[] lambda) {
        Tensor v = v0.div(Math.sqrt(v0.square().sum().item()));
        for (int i = 0; i < iters; i++) {
            Tensor hv = h.apply(v);
            lambda[0] = hv.mul(v).sum().item();
            v = hv.div(Math.sqrt(hv.square().sum().item()));
        }
        return v;
    }

    /** {@code java carnot.examples.DemoTraining [seed]}. */
    public static void main(String[] args) {
        long seed = args.length > 0 ? Long.parseLong(args[0]) : 1;
        int code = run(System.out, seed);
        if (code != 0) {
            throw new IllegalStateException("demo: the loss did not decrease");
        }
    }
}
