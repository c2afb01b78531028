package carnot.bench.warmup;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.ParamVector;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;
import carnot.models.Transformer;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What a user waits for in a fresh process: {@code count} full-batch gradients ({@code Grad.of}; with {@code mlp}
 * also one {@code Hessian.apply} per step) of a fixed problem, timed one by one, printed as one JSON line per
 * step with the seconds since the process started (from /proc, so JVM start-up is included).
 *
 * <pre>
 *   transformer  2 layers, d 128, 4 heads, context 64, vocab 64, batch 32, f32, cross-entropy at every position
 *   mlp          784-512-512-512-10 tanh, N = 5000, f32, MSE on one-hot targets; gradient + one HVP per step
 * </pre>
 * Usage: {@code WarmupTimeline transformer|mlp COUNT} on the 2-thread CPU backend. The peer is
 * bench/python/warmup_peer.py; bench/run-warmup.sh runs both interleaved.
 */
public final class WarmupTimeline {
    private WarmupTimeline() {
    }

    public static void main(String[] args) {
        if (args.length != 2 || !(args[0].equals("transformer") || args[0].equals("mlp"))) {
            System.err.println("usage: WarmupTimeline transformer|mlp COUNT; given " + String.join(" ", args));
            System.exit(2);
        }
        int count = Integer.parseInt(args[1]);
        Instant start = ProcessHandle.current().info().startInstant().orElseThrow();
        boolean mlp = args[0].equals("mlp");
        try (Backend be = new CpuBackend(2); Scope outer = Scope.open()) {
            Model model;
            DataSet data;
            Loss loss;
            int chunk;
            if (mlp) {
                int n = 5000;
                model = new Mlp(be, DType.F32, new int[] {784, 512, 512, 512, 10}, Activation.TANH, true, 1);
                double[] y = new double[n * 10];
                for (int i = 0; i < n; i++) {
                    y[i * 10 + (i * 7919) % 10] = 1;
                }
                data = new ArrayDataSet(Tensor.randn(be, DType.F32, 2, 0, 1, n, 784), Tensor.of(be, DType.F32, y, n, 10));
                loss = Loss.MSE;
                chunk = n;
            } else {
                int b = 32;
                int t = 64;
                model = new Transformer(be, DType.F32, new Transformer.Config(64, t, 128, 4, 2, 4), false, 1);
                data = new ArrayDataSet(Tensor.indices(be, tokens(b * t, 64, 3), b, t),
                        Tensor.indices(be, tokens(b * t, 64, 4), b, t));
                loss = Loss.CE;
                chunk = b;
            }
            ParamVector v = ParamVector.randn(model, 7);
            System.out.printf(Locale.ROOT, "{\"case\":\"%s\",\"step\":0,\"since_start\":%.4f}%n", args[0],
                    seconds(start));
            for (int s = 1; s <= count; s++) {
                long t0 = System.nanoTime();
                double value;
                try (Scope scope = Scope.open()) {
                    value = Grad.of(model, loss, data, chunk).loss();
                    if (mlp) {
                        value += Hessian.of(model, loss, data, chunk).apply(v).get(0).buffer().length();
                    }
                }
                System.out.printf(Locale.ROOT, "{\"case\":\"%s\",\"step\":%d,\"seconds\":%.5f,\"since_start\":%.4f,"
                        + "\"value\":%.6g}%n", args[0], s, (System.nanoTime() - t0) * 1e-9, seconds(start), value);
            }
        }
    }

    private static double seconds(Instant start) {
        return Duration.between(start, Instant.now()).toNanos() * 1e-9;
    }

    private static int[] tokens(int n, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.nextInt(vocab);
        }
        return out;
    }
}
