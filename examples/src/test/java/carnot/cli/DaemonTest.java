package carnot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resident JVM: a command through it prints, writes and exits exactly as in process; refusals fall back. */
class DaemonTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    private static Result viaDaemon(Path socket, String workingDirectory, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = DaemonClient.run(socket, DaemonProtocol.RUN, workingDirectory, args, o,
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    private static Result inProcess(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true,
                StandardCharsets.UTF_8), args);
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** The result with its timing ("(..., 3.1 ms)") and output file name made comparable. */
    private static Result normal(Result r, String file) {
        return new Result(r.code(), r.out().replaceAll("[0-9.]+ ms\\)", "T ms)").replace(file, "OUT"),
                r.err().replace(file, "OUT"));
    }

    private static Thread serving(Daemon d) {
        return Thread.ofPlatform().start(() -> {
            try {
                d.serve(Duration.ofMinutes(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Test
    void commandsRunThroughTheDaemonAsInProcess() throws Exception {
        Path socket = dir.resolve("s/d.sock");
        String served = dir.toString();
        try (Daemon d = new Daemon(socket, served)) {
            Thread t = serving(d);
            // stdout, a written file and the exit code: the same as in process, bit for bit
            String[] grad = {"grad", "--model", "mlp", "--widths", "3,5,2", "--act", "tanh", "--backend", "ref",
                "--seed", "4", "--dataset", "teacher", "--samples", "12", "--out", dir.resolve("g1.npz").toString()};
            Result viaD = viaDaemon(socket, served, grad);
            grad[grad.length - 1] = dir.resolve("g2.npz").toString();
            Result local = inProcess(grad);
            assertEquals(0, local.code(), local.err());
            assertEquals(normal(local, "g2.npz"), normal(viaD, "g1.npz"));
            assertEquals(entries(dir.resolve("g2.npz")), entries(dir.resolve("g1.npz")));
            // a refused flag: exit code 2 and the message on stderr, nothing on stdout
            Result bad = viaDaemon(socket, served, "info", "--bogus");
            assertEquals(inProcess("info", "--bogus"), bad);
            assertEquals(2, bad.code());
            assertTrue(bad.err().contains("Unknown option: '--bogus'"), bad.err());
            // another working directory would resolve relative paths elsewhere: refused, the launcher runs it fresh
            assertEquals(DaemonProtocol.UNAVAILABLE, viaDaemon(socket, served + "/other", "info", "--model", "mlp",
                    "--widths", "3,5,2").code());
            // another protocol version: refused
            assertEquals(DaemonProtocol.REFUSED, rawReplyKind(socket, 99));
            // diagnostics (--backend auto says why it chose the CPU) reach the client's stderr, not the daemon's
            Result warned = viaDaemon(socket, served, "grad", "--model", "mlp", "--widths", "3,5,2", "--backend",
                    "auto", "--seed", "4", "--dataset", "teacher", "--samples", "12", "--out",
                    dir.resolve("g3.npz").toString());
            Result warnedLocal = inProcess("grad", "--model", "mlp", "--widths", "3,5,2", "--backend", "auto",
                    "--seed", "4", "--dataset", "teacher", "--samples", "12", "--out", dir.resolve("g4.npz").toString());
            assertEquals(0, warned.code(), warned.err());
            assertTrue(warned.err().startsWith("carnot: "), "the backend fallback reason: " + warned.err());
            assertEquals(normal(warnedLocal, "g4.npz"), normal(warned, "g3.npz"));
            assertEquals(0, DaemonClient.run(socket, DaemonProtocol.STOP, served, new String[0],
                    PrintStream.nullOutputStream(), new PrintStream(PrintStream.nullOutputStream())));
            t.join(10_000);
            assertFalse(t.isAlive(), "the daemon still serves after stop");
        }
        assertFalse(Files.exists(socket), "the socket file outlives the daemon");
        assertEquals(DaemonProtocol.UNAVAILABLE, viaDaemon(socket, served, "info").code());
    }

    @Test
    void aSecondCommandWhileOneRunsIsRefusedAndTheFirstCompletes() throws Exception {
        Path socket = dir.resolve("busy.sock");
        String served = dir.toString();
        try (Daemon d = new Daemon(socket, served)) {
            Thread t = serving(d);
            String[] train = {"train", "--model", "mlp", "--widths", "4,32,3", "--dataset", "mixture", "--samples",
                "64", "--lr", "0.05", "--steps", "1500", "--backend", "ref", "--seed", "1", "--out",
                dir.resolve("run").toString()};
            Result[] first = new Result[1];
            Thread long1 = Thread.ofPlatform().start(() -> first[0] = viaDaemon(socket, served, train));
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!d.busy() && long1.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            boolean overlapped = d.busy();
            Result second = viaDaemon(socket, served, "info", "--model", "mlp", "--widths", "3,5,2");
            long1.join(120_000);
            assertTrue(overlapped, "the first command ended before the second was sent; make it longer");
            assertEquals(DaemonProtocol.UNAVAILABLE, second.code(), "a second command while one runs: " + second);
            assertEquals(0, first[0].code(), first[0].err());
            assertTrue(Files.exists(dir.resolve("run")), "the first command's run folder");
            d.stop();
            t.join(10_000);
        }
    }

    @Test
    void aStaleSocketFileIsReplacedAndALiveDaemonIsNot() throws Exception {
        Path socket = dir.resolve("d.sock");
        Files.writeString(socket, "left by a JVM that died");
        try (Daemon d = new Daemon(socket, dir.toString())) {
            Thread t = serving(d);
            assertEquals(0, DaemonClient.run(socket, DaemonProtocol.PING, dir.toString(), new String[0],
                    PrintStream.nullOutputStream(), new PrintStream(PrintStream.nullOutputStream())));
            IOException e = assertThrows(IOException.class, () -> new Daemon(socket, dir.toString()));
            assertTrue(e.getMessage().contains("already listens on " + socket), e.getMessage());
            d.stop();
            t.join(10_000);
        }
    }

    /** Each entry of an npz (a zip: its entry times differ between runs) and its bytes, in order. */
    private static java.util.Map<String, String> entries(Path npz) throws IOException {
        var m = new java.util.LinkedHashMap<String, String>();
        try (var z = new java.util.zip.ZipFile(npz.toFile())) {
            for (var e : java.util.Collections.list(z.entries())) {
                m.put(e.getName(), java.util.HexFormat.of().formatHex(z.getInputStream(e).readAllBytes()));
            }
        }
        return m;
    }

    /** Sends a run request of the given protocol version; returns the kind of the first reply frame. */
    private static byte rawReplyKind(Path socket, int version) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            new DaemonProtocol.Request(version, DaemonProtocol.RUN, "/", new String[] {"info"})
                    .write(new DataOutputStream(Channels.newOutputStream(ch)));
            return new DataInputStream(Channels.newInputStream(ch)).readByte();
        }
    }
}
