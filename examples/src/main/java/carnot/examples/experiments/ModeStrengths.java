package carnot.examples.experiments;

import carnot.science.observe.Matrix;
import carnot.science.train.Observable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Mode strengths of a deep linear network: {@code uᵢ = Uᵢᵀ (W_L ⋯ W_1) Vᵢ} for the target's singular vector pairs
 * (Uᵢ, Vᵢ), i = 1..r (columns {@code u_1..u_r}); uses the model's rank-2 parameters in order.
 */
public final class ModeStrengths implements Observable {
    private final int every;
    private final Matrix u;
    private final Matrix v;
    private final List<int[]> shapes;

    /**
     * @param u left singular vectors as columns [dOut, r]
     * @param v right singular vectors as columns [dIn, r]
     */
    public ModeStrengths(int every, Matrix u, Matrix v, List<int[]> shapes) {
        if (every < 1 || u.cols() != v.cols()) {
            throw new IllegalArgumentException("mode strengths need every >= 1 and as many left as right vectors; given every="
                    + every + ", " + u.shape() + " and " + v.shape());
        }
        this.every = every;
        this.u = u;
        this.v = v;
        this.shapes = List.copyOf(shapes);
    }

    @Override
    public String name() {
        return "modes";
    }

    @Override
    public int every() {
        return every;
    }

    @Override
    public List<String> columns() {
        List<String> c = new ArrayList<>();
        for (int i = 1; i <= u.cols(); i++) {
            c.add("u_" + i);
        }
        return c;
    }

    @Override
    public void measure(RunState s, Map<String, Object> record) {
        double[] m = strengths(FlatMatrices.product(FlatMatrices.of(s.w().toDoubles(), shapes)));
        for (int i = 0; i < m.length; i++) {
            record.put("u_" + (i + 1), m[i]);
        }
    }

    /** {@code Uᵢᵀ W Vᵢ} for each mode i of the end-to-end map W [dOut, dIn]. */
    public double[] strengths(Matrix w) {
        if (w.rows() != u.rows() || w.cols() != v.rows()) {
            throw new IllegalArgumentException("end-to-end map must be " + u.rows() + "x" + v.rows() + "; given " + w.shape());
        }
        double[] out = new double[u.cols()];
        Matrix wv = w.times(v);
        for (int i = 0; i < out.length; i++) {
            double d = 0;
            for (int o = 0; o < u.rows(); o++) {
                d += u.get(o, i) * wv.get(o, i);
            }
            out[i] = d;
        }
        return out;
    }
}
