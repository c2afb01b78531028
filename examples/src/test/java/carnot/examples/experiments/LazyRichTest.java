package carnot.examples.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;

import carnot.science.observe.Matrix;
import org.junit.jupiter.api.Test;

/** The teacher, the alignment statistic and the feature map of the lazy-rich experiment. */
class LazyRichTest {

    @Test
    void teacherIsTheProductOfTheFirstTwoCoordinates() {
        double[][] t = LazyRich.teacher(5, 3, 4);
        for (int i = 0; i < 5; i++) {
            assertEquals(t[0][i * 3] * t[0][i * 3 + 1], t[1][i], 0);
        }
    }

    @Test
    void alignmentIsTheFractionOfFirstLayerMassInTheTeacherSubspace() {
        // W [2, 3] = [[1, 0, 1], [0, 2, 0]]: mass in the first two columns 1 + 4 of 6
        assertEquals(5.0 / 6, LazyRich.alignment(new double[] {1, 0, 1, 0, 2, 0}, 2, 3), 1e-15);
    }

    @Test
    void featuresAreTanhOfTheFirstLayer() {
        // width 2, d = 1: W1 = [1, −2], b1 = [0.5, 0]; x = [0.3, −1]
        double[] w = {1, -2, 0.5, 0, 9, 9, 9};
        Matrix h = LazyRich.features(w, new double[] {0.3, -1}, 2, 2, 1);
        assertEquals(Math.tanh(0.8), h.get(0, 0), 1e-15);
        assertEquals(Math.tanh(-0.6), h.get(0, 1), 1e-15);
        assertEquals(Math.tanh(-0.5), h.get(1, 0), 1e-15);
        assertEquals(Math.tanh(2), h.get(1, 1), 1e-15);
    }
}
