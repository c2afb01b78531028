package carnot.examples.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The embedding's Fourier share against embeddings of known spectrum. */
class GrokkingFourierTest {

    @Test
    void embeddingOfTwoFrequenciesIsFullyOnThem() {
        int p = 13;
        int d = 4;
        double[] e = new double[(p + 2) * d];
        for (int a = 0; a < p; a++) {
            double t = 2 * Math.PI * a / p;
            e[a * d] = Math.cos(3 * t);
            e[a * d + 1] = Math.sin(3 * t);
            e[a * d + 2] = 0.5 * Math.cos(5 * t);
            e[a * d + 3] = 0.5 * Math.sin(5 * t + 1);
        }
        e[p * d] = 100; // operator and "=" tokens are ignored
        double[] energy = Grokking.frequencyEnergy(e, p, d);
        double total = 0;
        for (double x : energy) {
            total += x;
        }
        double norm2 = 0;
        for (int i = 0; i < p * d; i++) {
            norm2 += e[i] * e[i];
        }
        assertEquals(p * norm2, total, 1e-9); // Parseval
        assertEquals(0.8, energy[3] / total, 1e-12);
        assertEquals(0.2, energy[5] / total, 1e-12);
        assertEquals(1.0, Grokking.fourierShare(e, p, d, 2), 1e-12);
        assertEquals(0.8, Grokking.fourierShare(e, p, d, 1), 1e-12);
    }

    @Test
    void randomEmbeddingIsSpreadOverFrequencies() {
        int p = 97;
        int d = 64;
        SplittableRandom r = new SplittableRandom(3);
        double[] e = new double[p * d];
        for (int i = 0; i < e.length; i++) {
            e[i] = r.nextGaussian();
        }
        double share = Grokking.fourierShare(e, p, d, 8);
        assertTrue(share > 8.0 / 49 && share < 0.3, "top-8 share of a random embedding " + share);
    }
}
