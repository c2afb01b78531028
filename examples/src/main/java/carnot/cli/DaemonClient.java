package carnot.cli;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The thin side of {@code ./carnot} when a {@link Daemon} serves this working directory: sends the command line,
 * copies the daemon's stdout and stderr frames to its own, and exits with the command's exit code. Exits with
 * {@link DaemonProtocol#UNAVAILABLE} (75) without output when there is no daemon or it refuses (busy, another
 * directory, another version); {@code ./carnot} then runs the command in a fresh JVM. JDK classes only, so it starts
 * in about a tenth of a second.
 * <p>Usage: {@code DaemonClient SOCKET run|ping|stop [ARGS...]}.
 */
public final class DaemonClient {
    private DaemonClient() {
    }

    public static void main(String[] args) {
        if (args.length < 2 || !(args[1].equals("run") || args[1].equals("ping") || args[1].equals("stop"))) {
            System.err.println("usage: DaemonClient SOCKET run|ping|stop [ARGS...]; given " + String.join(" ", args));
            System.exit(2);
        }
        byte op = switch (args[1]) {
            case "run" -> DaemonProtocol.RUN;
            case "ping" -> DaemonProtocol.PING;
            default -> DaemonProtocol.STOP;
        };
        String[] rest = java.util.Arrays.copyOfRange(args, 2, args.length);
        String dir = Path.of("").toAbsolutePath().toString();
        System.exit(run(Path.of(args[0]), op, dir, rest, System.out, System.err));
    }

    /** Sends one request and relays its reply; returns the exit code (75 when unavailable or refused). */
    static int run(Path socket, byte op, String workingDirectory, String[] args, OutputStream out, PrintStream err) {
        if (!Files.exists(socket)) {
            return DaemonProtocol.UNAVAILABLE;
        }
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return DaemonProtocol.UNAVAILABLE;       // a stale socket file: nobody listens
        }
        try (ch) {
            DataOutputStream o = new DataOutputStream(Channels.newOutputStream(ch));
            DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch), 1 << 16));
            new DaemonProtocol.Request(DaemonProtocol.VERSION, op, workingDirectory, args).write(o);
            byte[] buf = new byte[1 << 16];
            boolean started = false;
            while (true) {
                byte kind;
                try {
                    kind = in.readByte();
                } catch (EOFException e) {
                    if (!started) {
                        return DaemonProtocol.UNAVAILABLE;
                    }
                    err.println("carnot: error: the resident JVM closed the connection before the command ended"
                            + " (see its log next to " + socket + ")");
                    return 1;
                }
                switch (kind) {
                    case DaemonProtocol.OUT, DaemonProtocol.ERR -> {
                        started = true;
                        int len = in.readInt();
                        if (len > buf.length) {
                            buf = new byte[len];
                        }
                        in.readFully(buf, 0, len);
                        OutputStream to = kind == DaemonProtocol.OUT ? out : err;
                        to.write(buf, 0, len);
                        to.flush();
                    }
                    case DaemonProtocol.EXIT -> {
                        out.flush();
                        return in.readInt();
                    }
                    case DaemonProtocol.REFUSED -> {
                        String reason = in.readUTF();
                        if (System.getenv("CARNOT_DAEMON_VERBOSE") != null) {
                            err.println("carnot: resident JVM refused (" + reason + "); running in a fresh one");
                        }
                        return DaemonProtocol.UNAVAILABLE;
                    }
                    default -> {
                        err.println("carnot: error: unexpected frame " + kind + " from the resident JVM at " + socket);
                        return 1;
                    }
                }
            }
        } catch (IOException e) {
            err.println("carnot: error: lost the resident JVM at " + socket + ": " + e.getMessage());
            return 1;
        }
    }
}
