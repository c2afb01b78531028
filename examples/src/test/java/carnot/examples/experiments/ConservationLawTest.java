package carnot.examples.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;

import carnot.science.observe.Matrix;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The relative drift statistics of the conservation experiment on hand-computed matrices. */
class ConservationLawTest {

    @Test
    void linearDriftIsTheImbalanceChangeOverItsScale() {
        Matrix w1 = new Matrix(1, 1, new double[] {2});
        Matrix w2 = new Matrix(1, 1, new double[] {1});
        // D(0) = 1 − 4 = −3; after: W1 = 2, W2 = 1.5: D = 2.25 − 4 = −1.75; change 1.25 over scale 1 + 4
        Matrix w2b = new Matrix(1, 1, new double[] {1.5});
        assertEquals(1.25 / 5, Conservation.linearDrift(List.of(w1, w2b), List.of(w1, w2)), 1e-15);
        assertEquals(0, Conservation.linearDrift(List.of(w1, w2), List.of(w1, w2)), 0);
    }

    @Test
    void neuronDriftIsPerNeuronImbalanceChangeOverItsScale() {
        // two hidden neurons, input dim 1, output dim 1
        Matrix in = new Matrix(2, 1, new double[] {1, 2});
        Matrix out = new Matrix(1, 2, new double[] {3, 0});
        Matrix out2 = new Matrix(1, 2, new double[] {3, 1});
        // c(0) = (9 − 1, 0 − 4); c = (8, 1 − 4): change (0, 1); scale ‖(1 + 9, 4 + 0)‖ = √116
        assertEquals(1 / Math.sqrt(116), Conservation.neuronDrift(List.of(in, out2), List.of(in, out)), 1e-15);
    }
}
