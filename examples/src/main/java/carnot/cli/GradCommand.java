package carnot.cli;

import carnot.engine.Grad;
import carnot.models.Weights;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code carnot grad}: the full-batch loss gradient, saved named like the weights; prints the loss. */
@Command(name = "grad", mixinStandardHelpOptions = true,
        description = {"Full-batch loss and gradient over the whole data set; writes the gradient named like the weights.",
            Problems.TRANSFORMER_TARGETS})
public final class GradCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Mixin
    SparkOptions spark;

    @Option(names = "--out", required = true, paramLabel = "G.npz", description = "Output npz of the gradient.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ModelConfig c = options.config();
        ModelOptions.refuseUnusedSeed(spec, c);
        Problems.Problem p = Problems.build(c, Main.err(spec));
        long t0 = System.nanoTime();
        Grad g = spark.enabled() ? spark.grad(p, Main.err(spec)) : Grad.of(p.model(), p.loss(), p.data(), p.chunk());
        double ms = (System.nanoTime() - t0) / 1e6;
        Weights.save(p.model(), g.grad(), out);
        spec.commandLine().getOut().printf("loss = %.17g%n", g.loss());
        spec.commandLine().getOut().printf("gradient norm = %.17g (%d parameters, %d examples, %s, %.1f ms) -> %s%n",
                g.grad().norm(), p.model().numParams(), p.data().size(), p.backend().name(), ms, out);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
