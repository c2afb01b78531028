package carnot.kernels;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The reference backend (the oracle) against hand-computed values and independent identities. */
class RefBackendTest {

    /** A 2x3 * 3x2 product, with transposes and beta, equals the hand-computed matrix. */
    @Test
    void gemmMatchesHandComputedProduct() {
        try (RefBackend be = new RefBackend()) {
            Buffer a = HostData.upload(be, new double[]{1, 2, 3, 4, 5, 6});
            Buffer b = HostData.upload(be, new double[]{7, 8, 9, 10, 11, 12});
            Buffer c = HostData.upload(be, new double[]{1, 1, 1, 1});
            be.gemm(false, false, 2, 2, 3, 1, a, 0, 3, b, 0, 2, 10, c, 0, 2);
            assertArrayEquals(new double[]{68, 74, 149, 164}, HostData.toDoubles(c));
            // A^T (3x2 stored as 2x3) times B^T (2x3 stored as 3x2): op(A) 3x2, op(B) 2x3 -> 3x3
            Buffer c2 = be.alloc(DType.F64, 9);
            be.fill(c2, 0, 9, Double.NaN);
            be.gemm(true, true, 3, 3, 2, 1, a, 0, 3, b, 0, 2, 0, c2, 0, 3);
            assertArrayEquals(new double[]{39, 49, 59, 54, 68, 82, 69, 87, 105}, HostData.toDoubles(c2));
        }
    }

    /** Softmax rows sum to one; log-softmax equals the log of softmax; large inputs do not overflow. */
    @Test
    void softmaxIsNormalisedAndStable() {
        try (RefBackend be = new RefBackend()) {
            Buffer x = HostData.upload(be, new double[]{1000, 1001, 1002, -1, 0, 1});
            Buffer s = be.alloc(DType.F64, 6);
            Buffer l = be.alloc(DType.F64, 6);
            be.softmax(x, s, 2, 3, false);
            be.softmax(x, l, 2, 3, true);
            double[] sv = HostData.toDoubles(s);
            double[] lv = HostData.toDoubles(l);
            assertEquals(1, sv[0] + sv[1] + sv[2], 1e-15);
            double e = Math.exp(1);
            assertEquals(1 / (1 + e + e * e), sv[0], 1e-15);
            assertArrayEquals(new double[]{sv[0], sv[1], sv[2]}, new double[]{sv[3], sv[4], sv[5]}, 1e-15);
            for (int i = 0; i < 6; i++) {
                assertEquals(Math.log(sv[i]), lv[i], 1e-14);
            }
        }
    }

    /** The eigen-decomposition of a random symmetric 12x12 matrix satisfies A V = V diag(w), V^T V = I. */
    @Test
    void jacobiEigenSatisfiesDefiningIdentities() {
        int n = 12;
        Random r = new Random(3);
        double[] m = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                m[i * n + j] = m[j * n + i] = r.nextGaussian();
            }
        }
        try (RefBackend be = new RefBackend()) {
            Buffer a = HostData.upload(be, m);
            Buffer w = be.alloc(DType.F64, n);
            be.symmetricEigen(a, w, n, true);
            double[] v = HostData.toDoubles(a);
            double[] ev = HostData.toDoubles(w);
            for (int i = 1; i < n; i++) {
                assertEquals(true, ev[i - 1] <= ev[i], "ascending");
            }
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < n; c++) {
                    double av = 0;
                    double vtv = 0;
                    for (int k = 0; k < n; k++) {
                        av += m[i * n + k] * v[k * n + c];
                        vtv += v[k * n + i] * v[k * n + c];
                    }
                    assertEquals(ev[c] * v[i * n + c], av, 1e-12, "A V = V W at " + i + "," + c);
                    assertEquals(i == c ? 1 : 0, vtv, 1e-12, "V^T V = I at " + i + "," + c);
                }
            }
        }
    }

    /** Layer norm output has zero mean and unit variance per row (eps = 0). */
    @Test
    void layerNormStandardisesRows() {
        try (RefBackend be = new RefBackend()) {
            Buffer x = HostData.upload(be, new double[]{1, 2, 3, 4, -2, 0, 2, 8});
            Buffer y = be.alloc(DType.F64, 8);
            Buffer mu = be.alloc(DType.F64, 2);
            Buffer rs = be.alloc(DType.F64, 2);
            be.layerNorm(x, y, mu, rs, 2, 4, 0);
            double[] yv = HostData.toDoubles(y);
            assertArrayEquals(new double[]{2.5, 2}, HostData.toDoubles(mu), 1e-15);
            assertEquals(1 / Math.sqrt(1.25), HostData.toDoubles(rs)[0], 1e-15);
            for (int r = 0; r < 2; r++) {
                double s = 0, q = 0;
                for (int j = 0; j < 4; j++) {
                    s += yv[r * 4 + j];
                    q += yv[r * 4 + j] * yv[r * 4 + j];
                }
                assertEquals(0, s, 1e-14);
                assertEquals(4, q, 1e-14);
            }
        }
    }

    /** A freed buffer cannot be used; a second free is a no-op; the arena is released. */
    @Test
    void useAfterFreeThrows() {
        try (RefBackend be = new RefBackend()) {
            Buffer b = be.alloc(DType.F32, 4);
            assertEquals(1, be.liveBuffers());
            be.free(b);
            be.free(b);
            assertEquals(0, be.liveBuffers());
            assertThrows(IllegalStateException.class, () -> be.fill(b, 0, 4, 1));
        }
    }

    /** A new buffer is zero-filled even when it reuses the memory of a freed one; the freed one stays dead. */
    @Test
    void allocAfterFreeIsZeroFilled() {
        for (Backend be : new Backend[]{new RefBackend(), new CpuBackend(1)}) {
            try (be) {
                for (int n : new int[]{3, 100, 20_000}) {
                    Buffer old = be.alloc(DType.F64, n);
                    be.fill(old, 0, n, 7);
                    be.free(old);
                    Buffer b = be.alloc(DType.F64, n);
                    assertArrayEquals(new double[n], HostData.toDoubles(b), be.name() + " n " + n);
                    assertThrows(IllegalStateException.class, () -> be.fill(old, 0, 1, 1));
                    b.close();
                }
            }
        }
    }
}
