package carnot.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code carnot} command line. Subcommands are listed once, in the {@code subcommands} attribute below: adding
 * a command is adding its class there. Failures print {@code carnot: error: …} on stderr and exit with 1 (bad
 * input or a failed computation) or 2 (bad flags: a malformed value, or a flag the command would not use — a
 * {@link FlagException}); nothing is written on failure.
 */
@Command(name = "carnot", mixinStandardHelpOptions = true, version = "carnot 0.1.0",
        description = "Carnot: train networks and measure the mechanics of learning.",
        subcommands = {
            InfoCommand.class,
            GradCommand.class,
            HvpCommand.class,
            DataCommand.class,
            DemoCommand.class,
            TrainCommand.class,
            ExperimentCommand.class,
            SpectrumCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Where this run's diagnostics go (progress, warnings): the stream given to {@link #run}. */
    private final PrintStream err;

    private Main(PrintStream err) {
        this.err = err;
    }

    /** The diagnostics stream of the run a command belongs to (not System.err: a resident JVM serves many runs). */
    static PrintStream err(CommandLine.Model.CommandSpec spec) {
        return ((Main) spec.root().userObject()).err;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs the command line in process with the given streams; returns the exit code (0 = success). */
    public static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cl = new CommandLine(new Main(err));
        PrintWriter o = new PrintWriter(out, true);
        PrintWriter e = new PrintWriter(err, true);
        cl.setOut(o);
        cl.setErr(e);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            String msg = ex.getMessage() != null ? ex.getMessage() : ex.toString();
            line.getErr().println("carnot: error: " + msg);
            if (ex instanceof FlagException) {
                line.getErr().println("Try '" + line.getCommandSpec().qualifiedName() + " --help'.");
            }
            if (System.getenv("CARNOT_DEBUG") != null) {
                ex.printStackTrace(line.getErr());
            }
            line.getErr().flush();
            return ex instanceof FlagException ? 2 : 1;
        });
        cl.setParameterExceptionHandler((ex, args1) -> {
            CommandLine line = ex.getCommandLine();
            line.getErr().println("carnot: error: " + ex.getMessage());
            line.getErr().println("Try '" + line.getCommandSpec().qualifiedName() + " --help'.");
            line.getErr().flush();
            return 2;
        });
        int code;
        try {
            code = cl.execute(args);
        } catch (LinkageError | OutOfMemoryError ex) {
            e.println("carnot: error: " + ex);
            code = 1;
        }
        o.flush();
        e.flush();
        return code;
    }

    /** Entry point of {@code ./carnot}. */
    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }
}
