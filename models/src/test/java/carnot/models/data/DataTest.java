package carnot.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.io.NdArray;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Generated data sets have the documented structure, and subsets/balancing/standardization are deterministic. */
class DataTest {

    /** The same seed gives bitwise the same data; another seed gives different data. */
    @Test
    void generatedSetsAreSeedDeterministic() {
        var a = Generated.teacherStudent(20, new int[] {3, 5, 2}, "tanh", 0.1, 4);
        var b = Generated.teacherStudent(20, new int[] {3, 5, 2}, "tanh", 0.1, 4);
        var c = Generated.teacherStudent(20, new int[] {3, 5, 2}, "tanh", 0.1, 5);
        assertTrue(a.x().sameAs(b.x()) && a.y().sameAs(b.y()));
        assertFalse(a.x().sameAs(c.x()));
        assertArrayEquals(new int[] {20, 2}, a.y().shape());
    }

    /** Whitened inputs satisfy XᵀX/n = I and the least-squares map Yᵀ X / n has exactly the chosen singular values. */
    @Test
    void whitenedLinearHasChosenSingularValues() {
        int n = 40;
        int dIn = 5;
        int dOut = 4;
        double[] s = {3, 2, 0.5};
        Examples e = Generated.whitenedLinear(n, dIn, dOut, s, 1);
        double[] x = e.x().toDoubles();
        double[] y = e.y().toDoubles();
        for (int i = 0; i < dIn; i++) {
            for (int j = 0; j < dIn; j++) {
                double g = 0;
                for (int k = 0; k < n; k++) {
                    g += x[k * dIn + i] * x[k * dIn + j];
                }
                assertEquals(i == j ? 1 : 0, g / n, 1e-12);
            }
        }
        // M = YᵀX/n (dOut x dIn); singular values = sqrt(eig(M Mᵀ)); check via trace identities of M Mᵀ.
        double[] m = new double[dOut * dIn];
        for (int o = 0; o < dOut; o++) {
            for (int i = 0; i < dIn; i++) {
                for (int k = 0; k < n; k++) {
                    m[o * dIn + i] += y[k * dOut + o] * x[k * dIn + i] / n;
                }
            }
        }
        double[] mmt = new double[dOut * dOut];
        for (int a = 0; a < dOut; a++) {
            for (int b = 0; b < dOut; b++) {
                for (int i = 0; i < dIn; i++) {
                    mmt[a * dOut + b] += m[a * dIn + i] * m[b * dIn + i];
                }
            }
        }
        double tr = 0;
        double tr2 = 0;
        for (int a = 0; a < dOut; a++) {
            tr += mmt[a * dOut + a];
            for (int b = 0; b < dOut; b++) {
                tr2 += mmt[a * dOut + b] * mmt[b * dOut + a];
            }
        }
        assertEquals(9 + 4 + 0.25, tr, 1e-10);
        assertEquals(81 + 16 + 0.0625, tr2, 1e-9);
    }

    /** Modular data enumerates every pair once with the right answer and a p+2 token vocabulary. */
    @Test
    void modularArithmeticIsComplete() {
        int p = 7;
        Examples e = Generated.modular(p, Generated.ModOp.ADD, 3);
        assertEquals(49, e.size());
        int[] x = e.x().toInts();
        int[] y = e.y().toInts();
        boolean[] seen = new boolean[49];
        for (int i = 0; i < 49; i++) {
            int a = x[i * 4];
            int b = x[i * 4 + 2];
            assertEquals(p, x[i * 4 + 1]);
            assertEquals(p + 1, x[i * 4 + 3]);
            assertEquals((a + b) % p, y[i]);
            seen[a * p + b] = true;
        }
        for (boolean s : seen) {
            assertTrue(s);
        }
        Examples d = Generated.modular(p, Generated.ModOp.DIV, 3);
        int[] dx = d.x().toInts();
        int[] dy = d.y().toInts();
        for (int i = 0; i < d.size(); i++) {
            assertEquals(dx[i * 4], dy[i] * dx[i * 4 + 2] % p, "a = (a/b)·b mod p");
        }
    }

    /** Language targets are the inputs shifted by one, and follow the chain's sparse transitions. */
    @Test
    void languageTargetsAreNextTokens() {
        Examples e = Generated.language(10, 6, 5, 2);
        int[] x = e.x().toInts();
        int[] y = e.y().toInts();
        for (int i = 0; i < 10; i++) {
            for (int s = 0; s + 1 < 6; s++) {
                assertEquals(x[i * 6 + s + 1], y[i * 6 + s]);
            }
        }
        boolean[][] trans = new boolean[5][5];
        for (int i = 0; i < 60; i++) {
            trans[x[i]][y[i]] = true;
        }
        for (boolean[] row : trans) {
            int k = 0;
            for (boolean t : row) {
                k += t ? 1 : 0;
            }
            assertTrue(k <= 3, "each token has at most 3 successors");
        }
    }

    /** Mixture labels are balanced and class means are separated; balanced() interleaves classes. */
    @Test
    void mixtureAndBalancing() {
        Examples e = Generated.gaussianMixture(30, 4, 3, 5.0, 9);
        int[] counts = new int[3];
        for (int l : e.labels()) {
            counts[l]++;
        }
        assertArrayEquals(new int[] {10, 10, 10}, counts);
        Examples b = e.balanced(4, 1);
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}, b.labels());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> e.balanced(11, 1)).getMessage().contains("class 0"));
        assertTrue(e.sample(5, 3).x().sameAs(e.sample(5, 3).x()));
        assertTrue(e.first(3).y().sameAs(NdArray.ofI32(new int[] {0, 1, 2}, 3)));
    }

    /** Standardized features have mean 0 and (biased) variance 1; constant features are only centered. */
    @Test
    void standardization() {
        double[] x = {1, 5, 2, 5, 3, 5, 6, 5};
        Examples e = new Examples(NdArray.ofF64(x, 4, 2), NdArray.ofI32(new int[4], 4)).standardized();
        double[] s = e.x().toDoubles();
        double mean = 0;
        double var = 0;
        for (int i = 0; i < 4; i++) {
            mean += s[2 * i] / 4;
            var += s[2 * i] * s[2 * i] / 4;
            assertEquals(0, s[2 * i + 1]);
        }
        assertEquals(0, mean, 1e-15);
        assertEquals(1, var, 1e-12);
        Examples raw = new Examples(NdArray.ofF64(x, 4, 2), NdArray.ofI32(new int[4], 4));
        Examples test = new Examples(NdArray.ofF64(new double[] {3, 5}, 1, 2), NdArray.ofI32(new int[1], 1));
        double[] t = test.standardizedLike(raw).x().toDoubles();
        assertEquals((3 - 3) / Math.sqrt(3.5), t[0], 1e-15, "train mean 3, train variance 3.5");
        assertEquals(0, t[1]);
    }

    /** Power-law features have variances close to j^-alpha (statistically, n large). */
    @Test
    void powerLawSpectrum() {
        Examples e = Generated.powerLaw(4000, 4, 2.0, 0, 5);
        double[] x = e.x().toDoubles();
        for (int j = 0; j < 4; j++) {
            double v = 0;
            for (int i = 0; i < 4000; i++) {
                v += x[i * 4 + j] * x[i * 4 + j] / 4000;
            }
            assertEquals(Math.pow(j + 1, -2.0), v, 0.1 * Math.pow(j + 1, -2.0));
        }
        assertTrue(Arrays.stream(e.y().shape()).boxed().toList().equals(java.util.List.of(4000, 1)));
    }

    /** Character windows: y is x shifted by one character of the text. */
    @Test
    void textWindows() {
        Text t = Text.of("abracadabra");
        assertArrayEquals(new char[] {'a', 'b', 'c', 'd', 'r'}, t.vocabulary());
        Examples w = t.windows(5, 3, 1);
        int[] x = w.x().toInts();
        int[] y = w.y().toInts();
        for (int i = 0; i < 5; i++) {
            assertEquals(x[i * 3 + 1], y[i * 3]);
            assertEquals(x[i * 3 + 2], y[i * 3 + 1]);
        }
    }
}
