package carnot.cli;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The wire format between {@code carnot} command lines and a resident {@link Daemon} over a Unix domain socket. A
 * request is {@code int version, byte op, UTF working directory, int n, n UTF arguments}; the reply is a sequence
 * of frames {@code byte kind, int length, bytes} of the command's stdout ({@link #OUT}) and stderr ({@link #ERR}),
 * ended by {@link #EXIT} with the exit code or {@link #REFUSED} with a reason (busy, another working directory,
 * another protocol version), after which the client runs the command in a fresh JVM. Uses JDK classes only, so the
 * client starts without the engine on its class path.
 */
final class DaemonProtocol {
    static final int VERSION = 1;
    /** Request: run a command line. */
    static final byte RUN = 'R';
    /** Request: answer with exit code 0 (is the daemon there?). */
    static final byte PING = 'P';
    /** Request: answer, then shut the daemon down. */
    static final byte STOP = 'S';
    static final byte OUT = 'O';
    static final byte ERR = 'E';
    static final byte EXIT = 'X';
    static final byte REFUSED = 'B';
    /** The client's exit code when the daemon refused or was not there: the launcher then starts a fresh JVM. */
    static final int UNAVAILABLE = 75;

    private DaemonProtocol() {
    }

    record Request(int version, byte op, String workingDirectory, String[] args) {
        void write(DataOutputStream o) throws IOException {
            o.writeInt(version);
            o.writeByte(op);
            o.writeUTF(workingDirectory);
            o.writeInt(args.length);
            for (String a : args) {
                o.writeUTF(a);
            }
            o.flush();
        }

        static Request read(DataInputStream in) throws IOException {
            int version = in.readInt();
            byte op = in.readByte();
            String dir = in.readUTF();
            int n = in.readInt();
            if (n < 0 || n > 100_000) {
                throw new IOException("request with " + n + " arguments; required 0..100000");
            }
            String[] args = new String[n];
            for (int i = 0; i < n; i++) {
                args[i] = in.readUTF();
            }
            return new Request(version, op, dir, args);
        }
    }

    /** Writes every chunk as one frame of the given kind; frames of both streams interleave on one socket. */
    static final class FrameStream extends OutputStream {
        private final DataOutputStream sink;
        private final byte kind;

        FrameStream(DataOutputStream sink, byte kind) {
            this.sink = sink;
            this.kind = kind;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return;
            }
            synchronized (sink) {
                sink.writeByte(kind);
                sink.writeInt(len);
                sink.write(b, off, len);
                sink.flush();
            }
        }
    }

    static void writeExit(DataOutputStream o, int code) throws IOException {
        synchronized (o) {
            o.writeByte(EXIT);
            o.writeInt(code);
            o.flush();
        }
    }

    static void writeRefused(DataOutputStream o, String reason) throws IOException {
        synchronized (o) {
            o.writeByte(REFUSED);
            o.writeUTF(reason);
            o.flush();
        }
    }
}
