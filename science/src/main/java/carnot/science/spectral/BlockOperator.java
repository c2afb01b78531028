package carnot.science.spectral;

import carnot.engine.LinearOperator;
import carnot.engine.Param;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import java.util.ArrayList;
import java.util.List;

/**
 * The restriction {@code S A S^T} of an operator on flat parameter vectors to a block of coordinates (a layer, a
 * parameter, or several): {@code S} selects the block's coordinates, so {@code apply(u)} embeds u into a zero
 * vector of length P, applies A, and extracts the block. Its spectrum is the per-layer Hessian spectrum. Batched
 * application embeds all k rows and calls the full operator's {@link LinearOperator#applyBatch} once.
 */
public final class BlockOperator implements LinearOperator {
    private final LinearOperator full;
    private final long[] offsets;
    private final int[] lengths;
    private final int dim;
    private final String name;

    /** One coordinate range {@code [offset, offset + length)} of the full vector. */
    public record Range(long offset, int length) {
    }

    /** Restricts {@code full} to the given ranges (non-overlapping, inside [0, P)), in the order given. */
    public BlockOperator(LinearOperator full, String name, List<Range> ranges) {
        if (ranges.isEmpty()) {
            throw new IllegalArgumentException("block '" + name + "' needs at least one coordinate range; given none");
        }
        this.full = full;
        this.name = name;
        this.offsets = new long[ranges.size()];
        this.lengths = new int[ranges.size()];
        long total = 0;
        for (int i = 0; i < ranges.size(); i++) {
            Range r = ranges.get(i);
            if (r.offset() < 0 || r.length() < 1 || r.offset() + r.length() > full.dim()) {
                throw new IllegalArgumentException("block range must lie inside [0, " + full.dim() + "); given offset "
                        + r.offset() + ", length " + r.length());
            }
            offsets[i] = r.offset();
            lengths[i] = r.length();
            total += r.length();
        }
        this.dim = Math.toIntExact(total);
    }

    /**
     * The block of the parameters whose name equals {@code block} or starts with {@code block + "."} (so
     * "layers.1" selects "layers.1.weight" and "layers.1.bias"). Offsets follow the flat order: the parameters
     * of {@code params} concatenated in list order, each flattened row-major.
     */
    public static BlockOperator ofParams(LinearOperator full, List<Param> params, String block) {
        List<Range> ranges = new ArrayList<>();
        List<String> names = new ArrayList<>();
        long off = 0;
        for (Param p : params) {
            long size = p.size();
            if (p.name().equals(block) || p.name().startsWith(block + ".")) {
                ranges.add(new Range(off, Math.toIntExact(size)));
            }
            names.add(p.name());
            off += size;
        }
        if (off != full.dim()) {
            throw new IllegalArgumentException("parameters hold " + off + " values but the operator has dim "
                    + full.dim());
        }
        if (ranges.isEmpty()) {
            throw new IllegalArgumentException("block '" + block + "' matches no parameter; parameters are " + names);
        }
        return new BlockOperator(full, block, ranges);
    }

    /** The block's name. */
    public String name() {
        return name;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public DType dtype() {
        return full.dtype();
    }

    @Override
    public Backend backend() {
        return full.backend();
    }

    @Override
    public Tensor apply(Tensor v) {
        if (v.rank() != 1 || v.dim(0) != dim) {
            throw new IllegalArgumentException("block '" + name + "' apply needs v of shape [" + dim + "]; given "
                    + java.util.Arrays.toString(v.shape()));
        }
        return applyBatch(v.reshape(1, dim)).reshape(dim);
    }

    @Override
    public Tensor applyBatch(Tensor vs) {
        if (vs.rank() != 2 || vs.dim(1) != dim) {
            throw new IllegalArgumentException("block '" + name + "' applyBatch needs V of shape [k, " + dim
                    + "]; given " + java.util.Arrays.toString(vs.shape()));
        }
        int k = vs.dim(0);
        int p = full.dim();
        Backend be = backend();
        Tensor big = Tensor.zeros(be, dtype(), k, p);
        for (int r = 0; r < k; r++) {
            long src = (long) r * dim;
            for (int i = 0; i < offsets.length; i++) {
                be.copy(vs.buffer(), src, big.buffer(), (long) r * p + offsets[i], lengths[i]);
                src += lengths[i];
            }
        }
        Tensor out = k == 1 ? full.apply(big.reshape(p)).reshape(1, p) : full.applyBatch(big);
        Tensor small = Tensor.zeros(be, dtype(), k, dim);
        for (int r = 0; r < k; r++) {
            long dst = (long) r * dim;
            for (int i = 0; i < offsets.length; i++) {
                be.copy(out.buffer(), (long) r * p + offsets[i], small.buffer(), dst, lengths[i]);
                dst += lengths[i];
            }
        }
        return small;
    }
}
