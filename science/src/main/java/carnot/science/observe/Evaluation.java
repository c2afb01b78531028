package carnot.science.observe;

import carnot.science.train.Observable;
import java.util.List;
import java.util.Map;

/**
 * The objective's evaluation metrics (train accuracy, held-out loss and accuracy, as far as the objective has
 * them), under the given column names.
 */
public final class Evaluation implements Observable {
    private final int every;
    private final List<String> columns;

    public Evaluation(int every, List<String> columns) {
        if (every < 1) {
            throw new IllegalArgumentException("evaluation needs every >= 1; given " + every);
        }
        this.every = every;
        this.columns = List.copyOf(columns);
    }

    @Override
    public String name() {
        return "eval";
    }

    @Override
    public int every() {
        return every;
    }

    @Override
    public List<String> columns() {
        return columns;
    }

    @Override
    public void measure(RunState s, Map<String, Object> record) {
        record.putAll(s.objective().evaluate(s.w()));
    }
}
