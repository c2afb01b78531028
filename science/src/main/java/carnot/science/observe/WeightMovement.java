package carnot.science.observe;

import carnot.engine.ParamVector;
import carnot.engine.Tensor;
import carnot.science.train.Observable;
import carnot.kernels.Backend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Per-parameter relative movement {@code ‖W − W₀‖/‖W₀‖} and the total over all parameters; columns
 * {@code move.NAME} for each parameter and {@code move_total}. Computed on the backend: one difference and two dot
 * products per parameter view, so 2 scalars per parameter reach the host.
 */
public final class WeightMovement implements Observable {
    private final int every;
    private final List<String> names;
    private final int[] sizes;

    /** @param names parameter names, @param shapes their shapes (as in the objective) */
    public WeightMovement(int every, List<String> names, List<int[]> shapes) {
        if (every < 1) {
            throw new IllegalArgumentException("movement needs every >= 1; given " + every);
        }
        this.every = every;
        this.names = List.copyOf(names);
        this.sizes = shapes.stream().mapToInt(s -> Arrays.stream(s).reduce(1, (a, b) -> a * b)).toArray();
    }

    @Override
    public String name() {
        return "move";
    }

    @Override
    public int every() {
        return every;
    }

    @Override
    public List<String> columns() {
        List<String> c = new ArrayList<>();
        for (String n : names) {
            c.add("move." + n);
        }
        c.add("move_total");
        return c;
    }

    @Override
    public void measure(RunState s, Map<String, Object> record) {
        double diff = 0;
        double base = 0;
        try (ParamVector d = s.w().axpy(-1, s.w0())) {
            Backend be = d.backend();
            for (int i = 0; i < names.size(); i++) {
                Tensor di = d.get(i);
                Tensor bi = s.w0().get(i);
                double dd = be.dot(di.size(), di.buffer(), di.buffer());
                double bb = be.dot(bi.size(), bi.buffer(), bi.buffer());
                record.put("move." + names.get(i), Movement.ratio(dd, bb));
                diff += dd;
                base += bb;
            }
        }
        record.put("move_total", Movement.ratio(diff, base));
    }
}
