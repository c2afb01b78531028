package carnot.engine;

import carnot.engine.ops.Shapes;

import java.util.ArrayList;
import java.util.List;

/**
 * A Hessian (or Gauss-Newton matrix) linearized once at the model's current weights, for the many products an
 * eigen-solver, a trace estimator or a full Hessian needs at one point.
 *
 * <p>{@link Hessian#apply} recomputes the primal forward and backward with every product; here one recording
 * pass per chunk keeps the primal values that forward-over-reverse's tangent rules read, and every product
 * replays only those rules ({@link TangentTape}, handed to the recording pass on the seed tangents). For an MLP
 * that removes the primal GEMMs: per hidden layer 6 of the 9 GEMMs remain (for the 784-512-512-512-10 MLP of
 * bench/README.md, 39.8 of 63.7 GFLOP per product), and the primal elementwise passes go too. Results are bitwise
 * equal to {@link Hessian#applyBatch} (same arithmetic). The operator surface and the batching of directions are
 * {@link ParamOperator}'s.
 *
 * <p>Memory: the kept primal values of every chunk ({@link #bytes()}), about one forward-and-backward's worth
 * of activations for the whole data set, held until {@link #close()} (or until the scope that was open at
 * creation closes), plus the primal subexpressions memoized by the first product, which only {@link #close()}
 * frees: use it in try-with-resources. {@link Hessian#linearize(long)} refuses beyond a byte budget. The operator
 * belongs to the weights it saw: after a weight is replaced ({@link Param#set}) a product throws; linearize
 * again. Products run on the calling thread; one operator is not for concurrent use.
 */
public final class Linearized extends ParamOperator implements AutoCloseable {
    /** One chunk's tape and the slots holding each parameter's product (-1 = identically zero). */
    private record Part(TangentTape tape, int[] wanted) {
    }

    private final List<Tensor> weights;
    private final List<Part> parts;
    private final List<Storage> held;
    private final long bytes;
    private long perDirection = -1;
    private boolean closed;

    private Linearized(Model model, List<Tensor> weights, List<Part> parts, List<Storage> held, long bytes,
                       int directionsPerPass) {
        super(model, directionsPerPass);
        this.weights = weights;
        this.parts = parts;
        this.held = held;
        this.bytes = bytes;
    }

    /**
     * Records the tangent tapes of {@code product} over all chunks of {@code data}. When the primal values held
     * after a chunk, extrapolated to all chunks, exceed {@code maxBytes}, recording stops, what was held is freed,
     * and {@link IllegalStateException} says how much it would need.
     */
    static Linearized record(Model m, Loss loss, DataSet d, int chunk, FullBatch.Product product, long maxBytes,
                             int directionsPerPass) {
        double norm = loss.count(d);
        List<Param> ps = m.params();
        var parts = new ArrayList<Part>();
        var held = new ArrayList<Storage>();
        long[] bytes = {0};
        d.chunks(chunk, (from, to, s) -> {
            TangentTape tape = new TangentTape();
            var ws = new ArrayList<Tensor>(ps.size());
            for (Param p : ps) {
                Tensor w = p.value();
                ws.add(w.withTangent(tape.seed(Tensor.zeros(w.backend(), w.dtype(), Shapes.prepend(1, w.shape()))))
                        .variable());
            }
            int[] wanted = new int[ps.size()];
            try {
                List<Tensor> gs = FullBatch.chunk(m, loss, d.x(from, to), d.y(from, to), norm, ws, product).grads();
                for (int i = 0; i < wanted.length; i++) {
                    Tensor t = gs.get(i).tangent();
                    wanted[i] = t == null ? -1 : tape.slot(t);
                }
            } finally {
                tape.stop();
            }
            for (Storage st : tape.primal()) {
                if (st.owner == s) {
                    s.keep(st);
                    st.pin();
                    held.add(st);
                    bytes[0] += st.buffer().byteSize();
                }
            }
            parts.add(new Part(tape, wanted));
            int chunks = (d.size() + chunk - 1) / chunk;
            double estimate = (double) bytes[0] / parts.size() * chunks;
            if (estimate > maxBytes) {
                for (Storage st : held) {
                    st.unpinAndFree();
                }
                throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                        "linearize: holding the primal values of all %d chunks needs about %.0f MB; the budget is %.0f MB"
                                + " (use fresh products, or a larger budget)", chunks, estimate / 1e6, maxBytes / 1e6));
            }
            return true;
        });
        return new Linearized(m, m.values(), parts, held, bytes[0], directionsPerPass);
    }

    /** A quarter of the machine's physical memory (2 GiB when the JVM cannot tell): the default budget of callers. */
    public static long defaultBudget() {
        return carnot.kernels.HostMemory.quarterOfMemory();
    }

    /** Bytes of primal values held for the replays. */
    public long bytes() {
        return bytes;
    }

    /**
     * The bytes one more direction adds to a batched product, measured: every replayed rule's peak of the
     * engine's live tensor bytes ({@link TangentTape#entryPeaks}: the live tangents, the rule's temporaries and
     * output) grows linearly with the directions, so a pass of two and a pass of three directions (after a first
     * pass of two, which makes the memoized primal subexpressions later passes reuse; a single direction takes
     * fused paths of its own) give each rule's bytes per direction, and the most of them is what one more
     * direction can add to the peak of any batch. Plus one row of P words: the products accumulated over chunks.
     * Measured once (three passes with zero directions) and remembered.
     */
    @Override
    public long bytesPerDirection() {
        if (perDirection < 0) {
            check();
            try (Scope s = Scope.open()) {
                pass(2);
                List<long[]> two = pass(2);
                List<long[]> three = pass(3);
                long most = 0;
                for (int c = 0; c < parts.size(); c++) {
                    for (int i = 0; i < two.get(c).length; i++) {
                        most = Math.max(most, three.get(c)[i] - two.get(c)[i]);
                    }
                }
                perDirection = most + (long) dim() * dtype().bytes();
            }
        }
        return perDirection;
    }

    /** One pass of {@code k} zero directions; per chunk, the peaks of its replay's rules. */
    private List<long[]> pass(int k) {
        try (Scope s = Scope.open()) {
            var blocks = new ArrayList<Tensor>(weights.size());
            for (Tensor w : weights) {
                blocks.add(Tensor.zeros(w.backend(), w.dtype(), Shapes.prepend(k, w.shape())));
            }
            var peaks = new ArrayList<long[]>(parts.size());
            products(blocks, peaks);
            return peaks;
        }
    }

    /** Per direction, the most bytes of tangents a chunk's replay holds at once by its tape's liveness. */
    long liveTangentBytes() {
        long most = 0;
        for (Part p : parts) {
            most = Math.max(most, p.tape().liveTangentBytes(p.wanted()));
        }
        return most;
    }

    /** The most bytes one jvp rule held at once (temporaries and output) in the last product's replays. */
    long ruleBytes() {
        long most = 0;
        for (Part p : parts) {
            most = Math.max(most, p.tape().ruleBytes());
        }
        return most;
    }

    /** Number of chunks (one tape each). */
    public int chunks() {
        return parts.size();
    }

    /** Per parameter [k, shape] blocks in, per parameter products out, summed over chunks in order. */
    @Override
    List<Tensor> products(List<Tensor> blocks) {
        return products(blocks, null);
    }

    /** {@link #products(List)}, noting each chunk's {@link TangentTape#entryPeaks} into {@code peaks} when given. */
    private List<Tensor> products(List<Tensor> blocks, List<long[]> peaks) {
        check();
        Tensor[] acc = new Tensor[blocks.size()];
        for (Part part : parts) {
            try (Scope s = Scope.open()) {
                Tensor[] r = part.tape().replay(blocks.toArray(new Tensor[0]), part.wanted());
                if (peaks != null) {
                    peaks.add(part.tape().entryPeaks());
                }
                for (int i = 0; i < acc.length; i++) {
                    Tensor b = blocks.get(i);
                    Tensor ri = r[i] != null ? r[i] : Tensor.zeros(b.backend(), b.dtype(), b.shape());
                    acc[i] = FullBatch.accumulate(s, acc[i], ri);
                }
            }
        }
        return List.of(acc);
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("Linearized: used after close()");
        }
        List<Param> ps = model.params();
        for (int i = 0; i < ps.size(); i++) {
            if (ps.get(i).value() != weights.get(i)) {
                throw new IllegalStateException("Linearized: parameter '" + ps.get(i).name()
                        + "' was replaced after linearize(); linearize again at the new weights");
            }
        }
    }

    /** Frees the kept primal values. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (Storage st : held) {
                st.unpinAndFree();
            }
            for (Part part : parts) {
                part.tape().close();
            }
        }
    }
}
