package carnot.distributed;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Tensor;

/**
 * One executor's rows of the training set: an in-memory {@link ArrayDataSet} that reports the whole set's size as
 * {@link #totalSize()}, so the engine's full-batch passes over it normalise the loss by the whole data set and the
 * sum of the shards' passes is the full-batch pass.
 *
 * @param index     shard (= partition) index
 * @param file      file it was read from
 * @param data      its rows
 * @param totalSize N of the whole data set
 */
public record Shard(int index, String file, ArrayDataSet data, int totalSize) implements DataSet {
    public Shard {
        if (totalSize < data.size()) {
            throw new IllegalArgumentException("shard " + index + " (" + file + ") has " + data.size()
                    + " samples, more than the whole data set's " + totalSize);
        }
    }

    @Override
    public int size() {
        return data.size();
    }

    @Override
    public Tensor x(int from, int to) {
        return data.x(from, to);
    }

    @Override
    public Tensor y(int from, int to) {
        return data.y(from, to);
    }

    /** Bytes of the shard's inputs and targets in memory. */
    public long bytes() {
        return data.inputs().size() * data.inputs().dtype().bytes() + data.targets().size() * data.targets().dtype().bytes();
    }
}
