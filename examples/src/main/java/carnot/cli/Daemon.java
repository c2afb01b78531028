package carnot.cli;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A resident JVM that runs {@code carnot} command lines for one working directory, so that every command after the
 * first starts with the kernels already compiled (a fresh JVM spends its first seconds running the Vector API
 * kernels uncompiled: bench/README.md "Start-up and warm-up"). {@code ./carnot daemon start} starts it; from then
 * on {@code ./carnot CMD} in the same directory sends the command line through {@link DaemonClient} and the daemon
 * runs it with {@link Main#run}, one command at a time, its output relayed as it is written. A second command while
 * one runs, a client in another directory or a build newer than the daemon's (the socket name is keyed on the
 * working directory and every jar of the class path) run in a fresh JVM instead. The daemon exits after
 * {@code --idle-minutes} without a command, on {@code ./carnot daemon stop}, or when its socket file is removed.
 * <p>What differs from a fresh JVM: the JVM's flags and environment are those of the daemon's start (e.g.
 * {@code CARNOT_DEBUG}, {@code CARNOT_JAVA_OPTS}); a command keeps running if its client is interrupted (its output
 * is then dropped); results are the same bits (no state survives a command: backends, pools and scopes are closed).
 * <p>Usage: {@code Daemon --socket PATH [--idle-minutes N]}; the working directory served is the JVM's.
 */
public final class Daemon implements AutoCloseable {
    private final Path socket;
    private final String directory;
    private final ServerSocketChannel server;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicLong lastUse = new AtomicLong(System.nanoTime());

    /** Binds the socket (replacing a stale socket file nobody listens on) for the given working directory. */
    public Daemon(Path socket, String directory) throws IOException {
        this.socket = socket;
        this.directory = directory;
        Files.createDirectories(socket.toAbsolutePath().getParent());
        if (Files.exists(socket)) {
            if (DaemonClient.run(socket, DaemonProtocol.PING, directory, new String[0], PrintStream.nullOutputStream(),
                    new PrintStream(PrintStream.nullOutputStream())) != DaemonProtocol.UNAVAILABLE) {
                throw new IOException("a resident JVM already listens on " + socket);
            }
            Files.delete(socket);
        }
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path socket = null;
        long idleMinutes = 30;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--socket" -> socket = Path.of(value(args, ++i, "--socket"));
                case "--idle-minutes" -> idleMinutes = Long.parseLong(value(args, ++i, "--idle-minutes"));
                default -> {
                    System.err.println("carnot daemon: unknown argument '" + args[i]
                            + "'; usage: Daemon --socket PATH [--idle-minutes N]");
                    System.exit(2);
                }
            }
        }
        if (socket == null || idleMinutes < 1) {
            System.err.println("carnot daemon: required --socket PATH and --idle-minutes >= 1; given "
                    + String.join(" ", args));
            System.exit(2);
        }
        try (Daemon d = new Daemon(socket, Path.of("").toAbsolutePath().toString())) {
            System.err.println("carnot daemon: serving " + d.directory + " on " + socket);
            d.serve(Duration.ofMinutes(idleMinutes));
        }
        System.exit(0);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            System.err.println("carnot daemon: " + flag + " needs a value");
            System.exit(2);
        }
        return args[i];
    }

    /** Accepts clients until stopped, idle for {@code idle}, or the socket file is gone. */
    public void serve(Duration idle) throws InterruptedException {
        Thread watchdog = Thread.ofPlatform().daemon().name("carnot-daemon-idle").start(() -> {
            while (!stopping.get()) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                boolean idleTooLong = !busy.get() && System.nanoTime() - lastUse.get() > idle.toNanos();
                if (idleTooLong || !Files.exists(socket)) {
                    stop();
                }
            }
        });
        while (!stopping.get()) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                break;                                  // closed by stop()
            }
            Thread.ofPlatform().name("carnot-daemon-client").start(() -> handle(ch));
        }
        watchdog.interrupt();
        while (busy.get()) {
            Thread.sleep(50);                           // let a running command finish before the JVM exits
        }
    }

    private void handle(SocketChannel ch) {
        try (ch) {
            DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
            DataOutputStream o = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16));
            DaemonProtocol.Request r = DaemonProtocol.Request.read(in);
            if (r.version() != DaemonProtocol.VERSION) {
                DaemonProtocol.writeRefused(o, "protocol " + r.version() + ", this daemon speaks "
                        + DaemonProtocol.VERSION);
                return;
            }
            switch (r.op()) {
                case DaemonProtocol.PING -> DaemonProtocol.writeExit(o, 0);
                case DaemonProtocol.STOP -> {
                    DaemonProtocol.writeExit(o, 0);
                    stop();
                }
                case DaemonProtocol.RUN -> run(r, o);
                default -> DaemonProtocol.writeRefused(o, "unknown request " + r.op());
            }
        } catch (IOException e) {
            // the client went away; nothing to answer
        }
    }

    private void run(DaemonProtocol.Request r, DataOutputStream o) throws IOException {
        if (!r.workingDirectory().equals(directory)) {
            DaemonProtocol.writeRefused(o, "serves " + directory + ", client in " + r.workingDirectory());
            return;
        }
        if (stopping.get() || !busy.compareAndSet(false, true)) {
            DaemonProtocol.writeRefused(o, "busy with another command");
            return;
        }
        try {
            PrintStream out = new PrintStream(new DaemonProtocol.FrameStream(o, DaemonProtocol.OUT), true,
                    StandardCharsets.UTF_8);
            PrintStream err = new PrintStream(new DaemonProtocol.FrameStream(o, DaemonProtocol.ERR), true,
                    StandardCharsets.UTF_8);
            int code = Main.run(out, err, r.args());
            out.flush();
            err.flush();
            DaemonProtocol.writeExit(o, code);
        } finally {
            lastUse.set(System.nanoTime());
            busy.set(false);
        }
    }

    /** Whether a command is running now. */
    boolean busy() {
        return busy.get();
    }

    /** Stops accepting; a running command finishes first. */
    public void stop() {
        if (stopping.compareAndSet(false, true)) {
            try {
                server.close();
            } catch (IOException e) {
                // closing an open server channel does not fail in practice; the JVM exits next
            }
        }
    }

    @Override
    public void close() throws IOException {
        stop();
        Files.deleteIfExists(socket);
    }
}
