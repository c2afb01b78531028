package carnot.science.observe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each observable's math on a case with a known closed-form answer. */
class ObservableMathTest {

    private static Matrix random(int r, int c, long seed) {
        Random rnd = new Random(seed);
        double[] d = new double[r * c];
        for (int i = 0; i < d.length; i++) {
            d[i] = rnd.nextGaussian();
        }
        return new Matrix(r, c, d);
    }

    /** A random orthogonal matrix from the eigenvectors of a random symmetric one. */
    private static Matrix orthogonal(int n, long seed) {
        Matrix a = random(n, n, seed);
        return a.plusTranspose().symmetricEigen().vectors();
    }

    @Test
    void jacobiEigenReconstructsSymmetricMatrixAndSingularValuesMatchDiagonal() {
        Matrix q = orthogonal(6, 1);
        assertEquals(0, q.transpose().times(q).minus(Matrix.identity(6)).norm(), 1e-12);
        Matrix a = q.times(Matrix.diag(5, 4, 3, -1, 0.5, 0)).times(q.transpose());
        assertArrayEquals(new double[] {5, 4, 3, 0.5, 0, -1}, a.symmetricEigen().values(), 1e-12);
        Matrix b = orthogonal(4, 2).times(new Matrix(4, 6, take(Matrix.diag(3, 2, 1, 0.25, 0, 0), 4))).times(q);
        assertArrayEquals(new double[] {3, 2, 1, 0.25}, b.singularValues(), 1e-12);
    }

    private static double[] take(Matrix m, int rows) {
        double[] d = new double[rows * m.cols()];
        System.arraycopy(m.data(), 0, d, 0, d.length);
        return d;
    }

    /** Perfect collapse onto a simplex ETF with a self-dual classifier gives NC1 = NC2 = NC3 = NC4 = 0. */
    @Test
    void neuralCollapseVanishesOnSimplexEtf() {
        int c = 4;
        int d = 6;
        Matrix q = orthogonal(d, 3);
        double[][] etf = new double[c][d];
        for (int k = 0; k < c; k++) {
            for (int j = 0; j < c; j++) {
                double e = (k == j ? 1 : 0) - 1.0 / c;
                for (int i = 0; i < d; i++) {
                    etf[k][i] += 3 * e * q.get(i, j);
                }
            }
        }
        int per = 5;
        double[][] h = new double[c * per][];
        int[] labels = new int[c * per];
        for (int i = 0; i < h.length; i++) {
            labels[i] = i % c;
            h[i] = etf[labels[i]].clone();
        }
        Matrix w = Matrix.of(etf).scale(0.7);
        NeuralCollapse.Result r = NeuralCollapse.of(Matrix.of(h), labels, c, w, null);
        assertEquals(0, r.nc1(), 1e-12);
        assertEquals(0, r.nc2Norm(), 1e-12);
        assertEquals(0, r.nc2Angle(), 1e-12);
        assertEquals(0, r.nc3(), 1e-7);
        assertEquals(0, r.nc4(), 0);
    }

    /** Two classes at ±1 in 1-d with within-class offsets ±s: Σ_W = s², Σ_B = 1, so NC1 = s²/2. */
    @Test
    void nc1MatchesHandComputedValue() {
        double s = 0.3;
        Matrix h = Matrix.of(new double[][] {{-1 - s}, {-1 + s}, {1 - s}, {1 + s}});
        NeuralCollapse.Result r = NeuralCollapse.of(h, new int[] {0, 0, 1, 1}, 2, null, null);
        assertEquals(s * s / 2, r.nc1(), 1e-14);
        assertEquals(0, r.nc2Norm(), 1e-14);
        assertEquals(0, r.nc2Angle(), 1e-14);
        assertTrue(Double.isNaN(r.nc3()));
        Matrix wrong = Matrix.of(new double[][] {{1}, {-1}});
        assertEquals(1.0, NeuralCollapse.of(h, new int[] {0, 0, 1, 1}, 2, wrong, null).nc4(), 0);
        assertThrows(IllegalArgumentException.class, () -> NeuralCollapse.of(h, new int[] {0, 0, 0, 0}, 2, null, null));
    }

    /** CKA is 1 under rotation + scaling of one side, and 0 for centered representations with orthogonal spans. */
    @Test
    void ckaInvariancesAndOrthogonality() {
        Matrix x = random(30, 5, 4);
        Matrix y = x.times(orthogonal(5, 5)).scale(2.5);
        assertEquals(1.0, Cka.linear(x, y), 1e-12);
        Matrix a = Matrix.of(new double[][] {{1, 0}, {-1, 0}, {0, 0}, {0, 0}});
        Matrix b = Matrix.of(new double[][] {{0}, {0}, {1}, {-1}});
        assertEquals(0.0, Cka.linear(a, b), 1e-15);
        double r = Cka.linear(x, random(30, 3, 6));
        assertTrue(r > 0 && r < 1, "CKA of unrelated data lies in (0,1): " + r);
    }

    /** W2·W1 with W1 = Q·diag(2,3), W2 = diag(1, 0.5)·Qᵀ has singular values {2, 1.5}. */
    @Test
    void endToEndSingularValues() {
        Matrix q = orthogonal(2, 7);
        Matrix w1 = q.times(Matrix.diag(2, 3));
        Matrix w2 = Matrix.diag(1, 0.5).times(q.transpose());
        assertArrayEquals(new double[] {2, 1.5}, EndToEnd.singularValues(List.of(w1, w2)), 1e-12);
    }

    /** D = W2ᵀW2 − W1W1ᵀ = diag(3, 0) for W1 = I, W2 = diag(2, 1); residual against itself is 0. */
    @Test
    void conservationImbalance() {
        Matrix w1 = Matrix.identity(2);
        Matrix w2 = Matrix.diag(2, 1);
        assertEquals(0, Conservation.imbalance(List.of(w1, w2))[0].minus(Matrix.diag(3, 0)).norm(), 0);
        assertEquals(0, Conservation.residuals(List.of(w1, w2), List.of(w1, w2))[0], 0);
        assertEquals(3 * Math.sqrt(2), Conservation.residuals(List.of(w1, w2), List.of(w1, Matrix.diag(1, 2)))[0], 1e-15);
        assertArrayEquals(new double[] {3, 0}, Conservation.neuronImbalance(w1, w2), 0);
    }

    /** AGOP of f(x) = W x is WᵀW, so alignment with the first layer W is exactly 1; with an orthogonal Gram 0. */
    @Test
    void agopOfLinearMapAlignsPerfectly() {
        Matrix w = random(3, 4, 8);
        int n = 7;
        Matrix[] grads = new Matrix[3];
        for (int k = 0; k < 3; k++) {
            double[][] rows = new double[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = w.row(k);
            }
            grads[k] = Matrix.of(rows);
        }
        Matrix agop = Agop.fromInputGradients(grads);
        assertEquals(0, agop.minus(w.transpose().times(w)).norm(), 1e-12);
        assertEquals(1.0, Agop.alignment(agop, w), 1e-12);
        assertEquals(0.0, Agop.alignment(Matrix.diag(1, 0), Matrix.of(new double[][] {{0, 1}})), 0);
    }

    @Test
    void relativeMovement() {
        assertEquals(1.0, Movement.relative(new double[] {3, 9}, new double[] {3, 4}), 1e-15);
        assertEquals(0.0, Movement.features(Matrix.identity(3), Matrix.identity(3)), 0);
        assertEquals(Double.POSITIVE_INFINITY, Movement.relative(new double[] {1}, new double[] {0}));
    }
}
