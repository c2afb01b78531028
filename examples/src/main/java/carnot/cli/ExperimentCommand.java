package carnot.cli;

import carnot.engine.DataSet;
import carnot.engine.param.Parameterization;
import carnot.examples.experiments.CoordinateCheck;
import carnot.examples.experiments.Data;
import carnot.examples.experiments.DeepLinearSaddles;
import carnot.examples.experiments.EdgeOfStability;
import carnot.examples.experiments.LazyVsRich;
import carnot.kernels.Backend;
import carnot.kernels.BackendSelector;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.data.Generated;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code carnot experiment NAME}: the packaged experiments on generated data, with a table on stdout and a PNG
 * plot in {@code --out}: {@code eos} (edge of stability), {@code coord} (µP vs SP coordinate check),
 * {@code saddles} (deep-linear saddle-to-saddle), {@code lazy} (lazy vs rich via α).
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Run a packaged experiment: eos | coord | saddles | lazy (tables on stdout, plots in --out).")
public final class ExperimentCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "eos|coord|saddles|lazy", description = "Which experiment.")
    String name;

    @Option(names = "--out", defaultValue = "experiment-out", description = "Folder for plots (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--widths", split = ",", description = "coord: hidden widths (default 64,128,256,512,1024,2048).")
    List<Integer> widths;

    @Option(names = "--lr", description = "Base learning rate(s), comma-separated for eos (defaults per experiment).",
            split = ",")
    List<Double> lr;

    @Option(names = "--steps", defaultValue = "0", description = "Steps (0 = the experiment's default).")
    long steps;

    @Option(names = "--backend", defaultValue = "cpu", description = "Backend (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        java.io.PrintWriter o = spec.commandLine().getOut();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out + ": " + e.getMessage(), e);
        }
        Backend be = BackendSelector.select(backend).backend();
        switch (name) {
            case "eos" -> {
                DataSet ds = Data.of(Generated.gaussianMixture(200, 10, 4, 3, seed).oneHot(4), be, DType.F64);
                double[] etas = lr == null ? new double[] {0.2} : lr.stream().mapToDouble(Double::doubleValue).toArray();
                EdgeOfStability.run(new EdgeOfStability.Config(new int[] {10, 64, 64, 4}, Activation.TANH, etas,
                        steps > 0 ? steps : 1000, 0, 10, seed, 0), be, DType.F64, ds, o, out.resolve("eos.png"));
            }
            case "coord" -> {
                int[] w = widths == null ? new int[] {64, 128, 256, 512, 1024, 2048}
                        : widths.stream().mapToInt(Integer::intValue).toArray();
                DataSet ds = Data.of(Generated.gaussianMixture(64, 16, 4, 3, seed).oneHot(4), be, DType.F64);
                CoordinateCheck.Config c = new CoordinateCheck.Config(16, 4, w, 2, w[0], lr == null ? 0.1 : lr.getFirst(),
                        steps > 0 ? (int) steps : 5, Activation.TANH, seed + 1);
                List<CoordinateCheck.Row> rows = new ArrayList<>();
                for (String p : List.of("sp", "mup")) {
                    List<CoordinateCheck.Row> r = CoordinateCheck.run(c, Parameterization.preset(p, false), be, DType.F64, ds);
                    rows.addAll(r);
                    for (int layer = 1; layer <= 3; layer++) {
                        o.printf(Locale.ROOT, "%s layer %d: max/min over widths of act %.3f, of delta %.3f%n", p, layer,
                                CoordinateCheck.spread(r, layer, false), CoordinateCheck.spread(r, layer, true));
                    }
                }
                o.print(CoordinateCheck.table(rows));
                CoordinateCheck.plot(rows, out.resolve("coord.png"));
            }
            case "saddles" -> {
                DeepLinearSaddles.Config c = new DeepLinearSaddles.Config(6, 6, 3, new double[] {3, 1.5, 0.75}, 64, 0.1,
                        lr == null ? 0.05 : lr.getFirst(), steps > 0 ? steps : 1500, 10, seed + 1);
                DeepLinearSaddles.Outcome r = DeepLinearSaddles.run(c, be, DType.F64);
                o.printf(Locale.ROOT, "steps where sv_i reaches half its target %s: %s; max conservation residual %.3g%n",
                        Arrays.toString(c.targets()), Arrays.toString(r.halfway()),
                        Arrays.stream(r.cons()).max().orElse(Double.NaN));
                DeepLinearSaddles.plot(c, r, out.resolve("saddles.png"));
            }
            case "lazy" -> o.print(LazyVsRich.table(LazyVsRich.run(new LazyVsRich.Config(8, 64, 64,
                    new double[] {0.5, 2, 8, 32}, lr == null ? 0.2 : lr.getFirst(), steps > 0 ? steps : 300, seed + 2), be,
                    DType.F64)));
            default -> throw new IllegalArgumentException("unknown experiment '" + name + "'; expected eos, coord, saddles or lazy");
        }
        o.flush();
        return 0;
    }
}
