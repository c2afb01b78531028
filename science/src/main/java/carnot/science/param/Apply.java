package carnot.science.param;

import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Applies a resolved {@link Table} to a model: re-initialization and forward multipliers. */
public final class Apply {
    private Apply() {
    }

    /** The {@link ParamInfo} of each of the model's parameters, in order. */
    public static List<ParamInfo> infos(Model model) {
        List<ParamInfo> out = new ArrayList<>();
        for (Param p : model.params()) {
            out.add(new ParamInfo(p.name(), p.role(), p.fanIn(), p.size()));
        }
        return out;
    }

    /**
     * For each row: when its init std is a number, replaces the value by {@code std · N(0,1)} drawn from the
     * counter-based stream of {@code seed} at offset = the parameter's start in the flat vector (so the draw is
     * backend-independent); sets the forward multiplier. Rows must match the model's parameters in order.
     */
    public static void apply(Table table, Model model, long seed) {
        List<Param> ps = model.params();
        if (ps.size() != table.rows().size()) {
            throw new IllegalArgumentException("table has " + table.rows().size() + " rows; the model has " + ps.size()
                    + " parameters");
        }
        long offset = 0;
        for (int i = 0; i < ps.size(); i++) {
            Param p = ps.get(i);
            Table.Row r = table.rows().get(i);
            if (!r.param().name().equals(p.name())) {
                throw new IllegalArgumentException("table row " + i + " is for " + r.param().name() + "; the model's parameter "
                        + i + " is " + p.name());
            }
            if (!Double.isNaN(r.initStd())) {
                Tensor v = p.value();
                p.set(Tensor.randn(v.backend(), v.dtype(), seed, offset, r.initStd(), p.shape()));
            }
            p.setMultiplier(r.multiplier());
            offset += p.size();
        }
    }
}
