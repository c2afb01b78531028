package carnot.kernels.elementwise;

import carnot.kernels.Broadcast;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Broadcast} with unit axes dropped and adjacent axes merged where both operands are contiguous across
 * them ({@code stride[d-1] == stride[d] * shape[d]}), so dense or row-broadcast operands become long rows.
 * Shapes are long; rank 0 is a single element.
 */
public record StridedView(long[] shape, long[] stridesA, long offsetA, long[] stridesB, long offsetB) {

    /** The collapsed form of {@code bc}. */
    public static StridedView collapse(Broadcast bc) {
        List<long[]> axes = new ArrayList<>();
        int[] s = bc.shape();
        for (int d = 0; d < s.length; d++) {
            if (s[d] == 1) {
                continue;
            }
            long[] ax = {s[d], bc.stridesA()[d], bc.stridesB()[d]};
            if (!axes.isEmpty()) {
                long[] prev = axes.getLast();
                if (prev[1] == ax[1] * ax[0] && prev[2] == ax[2] * ax[0]) {
                    axes.set(axes.size() - 1, new long[]{prev[0] * ax[0], ax[1], ax[2]});
                    continue;
                }
            }
            axes.add(ax);
        }
        int r = axes.size();
        long[] shape = new long[r];
        long[] sa = new long[r];
        long[] sb = new long[r];
        for (int d = 0; d < r; d++) {
            shape[d] = axes.get(d)[0];
            sa[d] = axes.get(d)[1];
            sb[d] = axes.get(d)[2];
        }
        return new StridedView(shape, sa, bc.offsetA(), sb, bc.offsetB());
    }

    /** Element offset of the start of innermost-axis row {@code row} in operand A ({@code a}) or B. */
    public long offsetOf(long row, boolean a) {
        long[] st = a ? stridesA : stridesB;
        long p = a ? offsetA : offsetB;
        for (int d = shape.length - 2; d >= 0; d--) {
            p += (row % shape[d]) * st[d];
            row /= shape[d];
        }
        return p;
    }
}
