package carnot.cli;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Grad;
import carnot.engine.Loss;
import carnot.engine.Tensor;
import carnot.examples.DemoTraining;
import carnot.kernels.Backend;
import carnot.kernels.BackendSelector;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import carnot.models.Activation;
import carnot.models.Mlp;
import carnot.models.data.Examples;
import carnot.models.data.Generated;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code carnot demo}: full-batch gradient descent on a small teacher–student MLP with the top Hessian eigenvalue
 * next to 2/η ({@link DemoTraining}); with {@code --self-check}, instead a check of the chosen backend against the
 * reference backend (same seed, so same weights: loss and gradient must agree) and 20 GD steps.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Full-batch GD on a small MLP printing loss and lambda_max vs 2/lr; --self-check compares "
                + "--backend with the reference backend instead.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--backend", defaultValue = "cpu", description = "Backend (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--dtype", defaultValue = "f64", description = "f32 or f64 (default ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--steps", defaultValue = "200", description = "GD steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--every", defaultValue = "20", description = "Report every this many steps (default ${DEFAULT-VALUE}).")
    int every;

    @Option(names = "--lr", defaultValue = "0.5", description = "Learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--self-check", description = "Compare --backend with the reference backend instead of training.")
    boolean selfCheck;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        DType dt = FlagException.parse("--dtype", dtype, "f32 or f64", () -> DType.parse(dtype));
        if (!dt.isFloating()) {
            throw new FlagException("--dtype must be f32 or f64; given '" + dtype + "'");
        }
        if (!selfCheck) {
            var settings = FlagException.parse("--steps, --every, --lr", steps + ", " + every + ", " + lr,
                    "--steps >= 1, --every >= 1, --lr > 0", () -> new DemoTraining.Settings(seed, steps, every, lr, dt));
            try (Backend be = BackendSelector.select(NetOptions.backendChoice(backend)).backend()) {
                PrintStream ps = new PrintStream(new WriterStream(out), true, StandardCharsets.UTF_8);
                int code = DemoTraining.run(ps, be, settings);
                ps.flush();
                return code;
            }
        }
        FlagException.refuseGiven(spec, "with --self-check (it runs a fixed check: same seed on both backends, 20 GD"
                + " steps at lr 0.5)", "--lr", "--steps", "--seed", "--every");
        return selfCheck(out, dt);
    }

    private int selfCheck(PrintWriter out, DType dt) {
        int[] widths = {8, 32, 4};
        Examples ex = Generated.teacherStudent(64, widths, "tanh", 0.0, 1);
        Backend be = BackendSelector.select(NetOptions.backendChoice(backend)).backend();
        Backend ref = new RefBackend();
        Mlp m = new Mlp(be, dt, widths, Activation.TANH, true, 7);
        Mlp r = new Mlp(ref, dt, widths, Activation.TANH, true, 7);
        Grad g = Grad.of(m, Loss.MSE, data(be, dt, ex));
        Grad gr = Grad.of(r, Loss.MSE, data(ref, dt, ex));
        double[] a = g.grad().flatten().toDoubles();
        double[] b = gr.grad().flatten().toDoubles();
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        out.printf("backend %s vs ref (%s, %d parameters): loss %.12g vs %.12g, max grad rel diff %.3e%n",
                be.name(), dt, m.numParams(), g.loss(), gr.loss(), diff / scale);
        DataSet d = data(be, dt, ex);
        double lr = 0.5;
        for (int step = 0; step <= 20; step++) {
            Grad s = Grad.of(m, Loss.MSE, d);
            if (step % 5 == 0) {
                out.printf("step %2d  loss %.6e%n", step, s.loss());
            }
            for (int i = 0; i < m.params().size(); i++) {
                var p = m.params().get(i);
                p.set(p.value().sub(s.grad().get(i).mul(lr)));
            }
        }
        double tol = dt == DType.F64 ? 1e-10 : 1e-4;
        boolean ok = diff / scale <= tol;
        out.println(ok ? "self-check passed" : "self-check FAILED (tolerance " + tol + ")");
        out.flush();
        return ok ? 0 : 1;
    }

    private static DataSet data(Backend be, DType dt, Examples ex) {
        return new ArrayDataSet(Tensor.of(be, dt, ex.x().toDoubles(), ex.x().shape()),
                Tensor.of(be, dt, ex.y().toDoubles(), ex.y().shape()));
    }

    /** Bytes written to a PrintStream forwarded to picocli's PrintWriter line by line (UTF-8). */
    private static final class WriterStream extends OutputStream {
        private final PrintWriter writer;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        WriterStream(PrintWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(int b) {
            line.write(b);
            if (b == '\n') {
                flush();
            }
        }

        @Override
        public void flush() {
            writer.write(line.toString(StandardCharsets.UTF_8));
            writer.flush();
            line.reset();
        }
    }
}
