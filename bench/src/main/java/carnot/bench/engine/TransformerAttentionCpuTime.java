package carnot.bench.engine;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Loss;
import carnot.engine.ParamVector;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.models.Transformer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Fused against decomposed attention in the transformer: 2 blocks, d_model 128, 4 heads (d/H = 32), MLP ratio 4,
 * context 64, batch 32 (all 64 positions), vocab 64, F32, CE at every position, the same weights. Loss + gradient
 * and one Hessian-vector product per call, on a ONE-thread CPU backend timed by the thread's CPU time; the four
 * cases are interleaved call by call (after warm-up calls), medians reported. Prints "what median_ms" and ratios.
 * Usage: {@code java ... carnot.bench.engine.TransformerAttentionCpuTime [reps]}.
 */
public final class TransformerAttentionCpuTime {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    private TransformerAttentionCpuTime() {
    }

    private static double cpuMs(Supplier<Tensor> f) {
        long c0 = MX.getCurrentThreadCpuTime();
        try (Scope s = Scope.open()) {
            f.get();
        }
        return (MX.getCurrentThreadCpuTime() - c0) / 1e6;
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int batch = 32;
        int ctx = 64;
        int vocab = 64;
        try (Backend be = new CpuBackend(1); Scope root = Scope.open()) {
            Random r = new Random(1);
            int[] x = new int[batch * ctx];
            int[] y = new int[batch * ctx];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextInt(vocab);
                y[i] = r.nextInt(vocab);
            }
            DataSet d = new ArrayDataSet(Tensor.indices(be, x, batch, ctx), Tensor.indices(be, y, batch, ctx));
            Transformer.Config c = new Transformer.Config(vocab, ctx, 128, 4, 2, 4);
            Transformer fused = new Transformer(be, DType.F32, c, false, 1, true);
            Transformer plain = new Transformer(be, DType.F32, c, false, 1, false);
            ParamVector v = ParamVector.randn(fused, 3);
            String[] names = {"fused gradient", "decomposed gradient", "fused hvp", "decomposed hvp"};
            @SuppressWarnings("unchecked")
            Supplier<Tensor>[] cases = new Supplier[]{
                    () -> Grad.of(fused, Loss.CE, d).grad().flatten(),
                    () -> Grad.of(plain, Loss.CE, d).grad().flatten(),
                    () -> Hessian.of(fused, Loss.CE, d).apply(v).flatten(),
                    () -> Hessian.of(plain, Loss.CE, d).apply(v).flatten()};
            for (int w = 0; w < 3; w++) {
                for (Supplier<Tensor> f : cases) {
                    cpuMs(f);
                }
            }
            double[][] t = new double[cases.length][reps];
            for (int i = 0; i < reps; i++) {
                for (int k = 0; k < cases.length; k++) {
                    t[k][i] = cpuMs(cases[k]);
                }
            }
            double[] med = new double[cases.length];
            for (int k = 0; k < cases.length; k++) {
                Arrays.sort(t[k]);
                med[k] = t[k][reps / 2];
                System.out.printf("%s %.1f (min %.1f, max %.1f)%n", names[k], med[k], t[k][0], t[k][reps - 1]);
            }
            System.out.printf("gradient decomposed/fused %.2f%n", med[1] / med[0]);
            System.out.printf("hvp decomposed/fused %.2f%n", med[3] / med[2]);
        }
    }
}
