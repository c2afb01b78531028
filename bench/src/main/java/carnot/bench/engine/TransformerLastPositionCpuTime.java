package carnot.bench.engine;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Grad;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.models.Transformer;
import carnot.models.data.Examples;
import carnot.models.data.Generated;

import java.util.List;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The grokking step at p = 97 (35 % of the 97² pairs a + b mod 97, 3,293 sequences of 4 tokens; 1-layer
 * transformer, d_model 64, 4 heads, MLP ratio 2, F32, CE on the last position): full-batch loss + gradient with the
 * last-position forward ({@code Transformer} with lastOnly) against the all-position forward sliced to the last
 * position, the same weights, on a ONE-thread CPU backend timed by the thread's CPU time (median of reps after
 * two alternating warm-up rounds; load-robust). Prints "what median_ms" and the ratio.
 * Usage: {@code java ... carnot.bench.engine.TransformerLastPositionCpuTime [reps]}.
 */
public final class TransformerLastPositionCpuTime {
    private TransformerLastPositionCpuTime() {
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int p = 97;
        try (Backend be = new CpuBackend(1); Scope root = Scope.open()) {
            Examples all = Generated.modular(p, Generated.ModOp.ADD, 1);
            Examples e = all.select(IntStream.range(0, (int) Math.round(0.35 * all.size())).toArray());
            DataSet d = new ArrayDataSet(Tensor.indices(be, e.x().toInts(), e.x().shape()),
                    Tensor.indices(be, e.y().toInts(), e.y().shape()));
            Transformer.Config c = new Transformer.Config(p + 2, 4, 64, 4, 1, 2);
            Transformer last = new Transformer(be, DType.F32, c, true, 1);
            Transformer full = new Transformer(be, DType.F32, c, false, 1);
            Model sliced = new Model() {
                @Override
                public List<Param> params() {
                    return full.params();
                }

                @Override
                public Tensor forward(List<Tensor> weights, Tensor x) {
                    int t = x.dim(1);
                    return full.forward(weights, x).slice(1, t - 1, t).reshape(x.dim(0), c.vocab());
                }
            };
            Supplier<Tensor> fa = () -> Grad.of(last, Loss.CE, d).grad().flatten();
            Supplier<Tensor> fb = () -> Grad.of(sliced, Loss.CE, d).grad().flatten();
            double a = 0;
            double b = 0;
            for (int round = 0; round < 3; round++) { // alternating rounds; the first two are JIT warm-up
                a = AutodiffCpuTime.medianMs(reps, fa);
                b = AutodiffCpuTime.medianMs(reps, fb);
            }
            System.out.printf("last-position forward, loss+gradient %.1f%n", a);
            System.out.printf("all positions then slice, loss+gradient %.1f%n", b);
            System.out.printf("ratio %.2f%n", b / a);
        }
    }
}
