package carnot.cli;

import carnot.engine.Model;
import carnot.engine.Param;
import carnot.models.Weights;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code carnot info}: the model's parameter names, shapes, roles, fan-in/out and the total count; optionally saves
 * the weights (seeded initialization or --weights) as an npz loadable into the PyTorch module of models/README.md.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print the model's parameters: name, shape, role, fan-in, fan-out, size; and the total.")
public final class InfoCommand implements Callable<Integer> {
    @Mixin
    ShapeOptions shape;

    @Mixin
    NetOptions net;

    @Option(names = "--save-weights", paramLabel = "W.npz",
            description = "Also write the weights (initialized from --seed, or --weights) named like the parameters.")
    Path saveWeights;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ModelConfig c = ModelOptions.build(spec, shape, net, null, null, 0);
        ModelOptions.refuseUnusedSeed(spec, c);
        var out = spec.commandLine().getOut();
        Model m = Problems.model(c, Problems.backend(c, Main.err(spec)));
        out.println(m + " (" + ModelConfig.flag(c.dtype()) + ", seed " + c.seed() + (c.weights() != null ? ", weights " + c.weights() : "")
                + ")");
        out.printf("%-32s %-14s %-11s %7s %7s %10s%n", "name", "shape", "role", "fan_in", "fan_out", "size");
        for (Param p : m.params()) {
            out.printf("%-32s %-14s %-11s %7d %7d %10d%n", p.name(), Problems.shape(p.shape()), p.role(), p.fanIn(),
                    p.fanOut(), p.size());
        }
        out.println("parameters: " + m.numParams());
        if (saveWeights != null) {
            Weights.save(m, saveWeights);
            out.println("weights -> " + saveWeights);
        }
        out.flush();
        return 0;
    }
}
