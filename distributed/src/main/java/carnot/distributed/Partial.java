package carnot.distributed;

import java.io.Serializable;

/**
 * One shard's contribution to a full-batch sum, sent back to the driver: the loss summed over the shard's chunks
 * (normalised by the whole data set), the flat values (a gradient, products [k, P] row-major, or null), counts for
 * accuracy, and a refusal message when the shard declined (a linearization over its memory budget).
 *
 * @param index   shard (= partition) index
 * @param loss    the shard's loss sum
 * @param values  flat values or null
 * @param correct correctly classified samples (accuracy jobs)
 * @param total   samples counted
 * @param refused why the shard declined, or null
 */
record Partial(int index, double loss, double[] values, long correct, long total, String refused) implements Serializable {

    static Partial of(int index, double loss, double[] values) {
        return new Partial(index, loss, values, 0, 0, null);
    }
}
