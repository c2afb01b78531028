package carnot.kernels.indexing;

import carnot.kernels.DType;
import carnot.kernels.Elem;

import java.lang.foreign.MemorySegment;

/**
 * Scalar reference row gather and scatter-add (embeddings). Indices are assumed validated.
 * Scatter-add order is fixed: for each column, i ascending, {@code table[idx[i], c] += src[i, c]} rounded to the
 * dtype after every add, so any column partition gives bitwise the same result.
 */
public final class IndexingRef {
    private IndexingRef() {
    }

    /** {@code out[i, :] = table[idx[i], :]} for i in [from, to). */
    public static void gather(DType t, MemorySegment table, int cols, MemorySegment idx, MemorySegment out,
                              int from, int to) {
        int w = t.bytes();
        for (int i = from; i < to; i++) {
            long row = Elem.getInt(idx, i);
            MemorySegment.copy(table, row * cols * w, out, (long) i * cols * w, (long) cols * w);
        }
    }

    /** Columns {@code [colFrom, colTo)} of {@code table[idx[i], c] += src[i, c]}, i &lt; n ascending. */
    public static void scatterAdd(DType t, MemorySegment src, MemorySegment idx, int n, int cols,
                                  MemorySegment table, int colFrom, int colTo) {
        for (int i = 0; i < n; i++) {
            long row = Elem.getInt(idx, i);
            for (int c = colFrom; c < colTo; c++) {
                long p = row * cols + c;
                Elem.set(table, t, p, Elem.get(table, t, p) + Elem.get(src, t, (long) i * cols + c));
            }
        }
    }
}
