package carnot.cli;

import carnot.engine.Hessian;
import carnot.engine.ParamVector;
import carnot.models.Weights;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code carnot hvp}: the exact full-batch Hessian-vector product H·v, v and H·v named like the weights. */
@Command(name = "hvp", mixinStandardHelpOptions = true,
        description = {"Exact full-batch Hessian-vector product H v of the loss (forward-over-reverse).",
            Problems.TRANSFORMER_TARGETS})
public final class HvpCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Mixin
    SparkOptions spark;

    @Option(names = "--vector", required = true, paramLabel = "V.npz", description = "Direction v, named like the weights.")
    Path vector;

    @Option(names = "--out", required = true, paramLabel = "HV.npz", description = "Output npz of H v.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ModelConfig c = options.config();
        ModelOptions.refuseUnusedSeed(spec, c);
        Problems.Problem p = Problems.build(c, Main.err(spec));
        ParamVector v = Weights.fromArrays(p.model(), Problems.readInput(vector, "vector", p.config().allowNonfinite()),
                "vector file " + vector);
        long t0 = System.nanoTime();
        Hessian.WithGradient r = spark.enabled() ? spark.hvpWithGradient(p, v, Main.err(spec))
                : Hessian.of(p.model(), p.loss(), p.data(), p.chunk()).applyWithGradient(v);
        double ms = (System.nanoTime() - t0) / 1e6;
        Weights.save(p.model(), r.hv(), out);
        var o = spec.commandLine().getOut();
        o.printf("loss = %.17g%n", r.loss());
        o.printf("v.Hv = %.17g, |v| = %.17g (%s, %.1f ms) -> %s%n", v.dot(r.hv()), v.norm(), p.backend().name(), ms, out);
        o.flush();
        return 0;
    }
}
