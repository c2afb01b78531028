package carnot.engine.observe;

import carnot.engine.train.Observable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Per-parameter relative movement {@code ‖W − W₀‖/‖W₀‖} and the total over all parameters; columns
 * {@code move.NAME} for each parameter and {@code move_total}.
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
        int at = 0;
        for (int i = 0; i < names.size(); i++) {
            double[] w = Arrays.copyOfRange(s.w(), at, at + sizes[i]);
            double[] w0 = Arrays.copyOfRange(s.w0(), at, at + sizes[i]);
            record.put("move." + names.get(i), Movement.relative(w, w0));
            at += sizes[i];
        }
        record.put("move_total", Movement.relative(s.w(), s.w0()));
    }
}
