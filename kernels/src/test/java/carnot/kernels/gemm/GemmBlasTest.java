package carnot.kernels.gemm;

import carnot.kernels.Buffer;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.Elem;
import carnot.kernels.HostData;
import carnot.kernels.Parallel;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * OpenBLAS is called zero-copy (the pointers handed to BLAS are the buffers' own native addresses); the K split
 * is its definition (slice products added to C in slice order) on a reused scratch.
 */
class GemmBlasTest {

    /** The JavaCPP pointers carry segment address + offset * element size, so BLAS reads and writes in place. */
    @Test
    void pointersAreTheBufferAddresses() {
        try (CpuBackend be = new CpuBackend(1); Buffer f = be.alloc(DType.F32, 10); Buffer d = be.alloc(DType.F64, 10)) {
            assertEquals(f.segment().address() + 3 * 4, GemmBlas.floats(f.segment(), 3).address());
            assertEquals(d.segment().address() + 5 * 8, GemmBlas.doubles(d.segment(), 5).address());
        }
    }

    /**
     * A 1x1x1 product written by BLAS is visible through the very segment (no staging copy to copy back), and
     * elements around the output window are untouched.
     */
    @Test
    void blasWritesLandInTheSegment() {
        try (CpuBackend be = new CpuBackend(1)) {
            Buffer a = HostData.upload(be, new double[]{3});
            Buffer b = HostData.upload(be, new double[]{4});
            Buffer c = HostData.upload(be, new double[]{-1, -1, -1});
            GemmBlas.gemm(DType.F64, false, false, 1, 1, 1, 1, a.segment(), 0, 1, b.segment(), 0, 1, 0,
                    c.segment(), 1, 1);
            assertEquals(12.0, c.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, 1));
            assertEquals(-1.0, c.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, 0));
            assertEquals(-1.0, c.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, 2));
        }
    }

    /**
     * The pool's slice sum is bitwise the serial sum {@code ((c + s_1) + s_2) + ...} rounded to the dtype after
     * every addition, for every tail (n around the vector widths, m from 1), 1 to 3 slices, padded C rows (the
     * padding stays untouched) and 1 to 3 threads, including shapes large enough to be cut into stripes.
     */
    @Test
    void addSlicesIsTheSerialSumInSliceOrder() {
        int[][] shapes = {{1, 1}, {1, 7}, {3, 8}, {2, 9}, {17, 15}, {5, 16}, {4, 17}, {64, 31}, {9, 33}, {130, 100},
            {300, 257}, {700, 65}};
        Random rnd = new Random(41);
        try (Arena arena = Arena.ofShared()) {
            for (int threads = 1; threads <= 3; threads++) {
                try (Parallel par = new Parallel(threads)) {
                    for (DType t : new DType[]{DType.F32, DType.F64}) {
                        for (int[] mn : shapes) {
                            for (int count = 1; count <= 3; count++) {
                                int m = mn[0], n = mn[1], ldc = n + (count == 2 ? 5 : 0);
                                long offC = count == 3 ? 3 : 0;
                                MemorySegment c = filled(arena, t, offC + (long) m * ldc, rnd);
                                MemorySegment sl = filled(arena, t, (long) count * m * n, rnd);
                                double[] expect = serialSum(t, m, n, sl, count, c, offC, ldc);
                                GemmBlas.addSlices(par, t, m, n, sl, count, c, offC, ldc);
                                String what = t + " " + m + "x" + n + " ldc " + ldc + ", " + count + " slices, "
                                        + threads + " threads";
                                for (int i = 0; i < expect.length; i++) {
                                    assertEquals(expect[i], Elem.get(c, t, i), 0.0, what + ", element " + i);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** C after the serial slice sum, as doubles (every element of the segment from 0, padding included). */
    private static double[] serialSum(DType t, int m, int n, MemorySegment sl, int count, MemorySegment c, long offC,
                                      int ldc) {
        double[] out = new double[(int) (offC + (long) m * ldc)];
        for (int e = 0; e < out.length; e++) {
            out[e] = Elem.get(c, t, e);
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int e = (int) (offC + (long) i * ldc + j);
                double acc = out[e];
                for (int p = 0; p < count; p++) {
                    acc += Elem.get(sl, t, ((long) p * m + i) * n + j);
                    acc = t == DType.F32 ? (float) acc : acc;
                }
                out[e] = acc;
            }
        }
        return out;
    }

    /** Values of very different magnitudes (so the summation order shows in the last bits), as the dtype stores them. */
    private static MemorySegment filled(Arena arena, DType t, long n, Random rnd) {
        MemorySegment s = arena.allocate(Math.max(1, n) * t.bytes(), 64);
        for (long i = 0; i < n; i++) {
            Elem.set(s, t, i, rnd.nextGaussian() * Math.scalb(1.0, rnd.nextInt(41) - 20));
        }
        return s;
    }

    /**
     * A K-split product is bitwise its definition (slice 0 into C with beta, slices 1.. computed apart and added in
     * slice order), also on a scratch left full of NaN by an earlier use; at most K / 256 slices; repeated and
     * smaller splits reuse the scratch (one allocation), only a larger one grows it; a closed scratch is refused.
     */
    @Test
    void kSplitIsItsDefinitionOnAReusedScratch() {
        Random rnd = new Random(43);
        try (Arena arena = Arena.ofShared()) {
            for (int threads = 2; threads <= 3; threads++) {
                try (Parallel par = new Parallel(threads); GemmScratch scratch = new GemmScratch()) {
                    scratch.take(1 << 20).fill((byte) 0xFF);
                    assertEquals(1, scratch.allocations());
                    for (DType t : new DType[]{DType.F32, DType.F64}) {
                        // m, n, k, transA, transB: K / 256 >= threads; K / 256 = 2 < threads when threads = 3.
                        int[][] cases = {{40, 30, 2000, 1, 0}, {33, 17, 1111, 0, 1}, {24, 20, 600, 1, 1}};
                        for (int rep = 0; rep < 3; rep++) {
                            for (int[] cs : cases) {
                                checkSplit(arena, par, scratch, t, cs[0], cs[1], cs[2], cs[3] != 0, cs[4] != 0, rnd);
                            }
                        }
                    }
                    assertEquals(1, scratch.allocations(), "splits within the first capacity reuse it");
                    checkSplit(arena, par, scratch, DType.F64, 400, 400, 5000, true, false, rnd);
                    assertEquals(2, scratch.allocations(), "a larger split grows the scratch once");
                    checkSplit(arena, par, scratch, DType.F64, 400, 400, 5000, true, false, rnd);
                    assertEquals(2, scratch.allocations());
                    scratch.close();
                    assertThrows(IllegalStateException.class, () -> scratch.take(8));
                }
            }
        }
    }

    private static void checkSplit(Arena arena, Parallel par, GemmScratch scratch, DType t, int m, int n, int k,
                                   boolean ta, boolean tb, Random rnd) {
        int lda = ta ? m : k, ldb = tb ? k : n;
        double alpha = 0.75, beta = -0.5;
        MemorySegment a = filled(arena, t, (long) m * k, rnd);
        MemorySegment b = filled(arena, t, (long) k * n, rnd);
        MemorySegment c = filled(arena, t, (long) m * n, rnd);
        MemorySegment expect = arena.allocate(c.byteSize(), 64).copyFrom(c);
        int slices = Math.min(par.threads(), k / GemmBlas.K_SLICE);
        MemorySegment parts = arena.allocate((long) Math.max(1, slices - 1) * m * n * t.bytes(), 64);
        for (int p = 0; p < slices; p++) {
            int k0 = k * p / slices / GemmBlas.ALIGN * GemmBlas.ALIGN;
            int k1 = p + 1 == slices ? k : k * (p + 1) / slices / GemmBlas.ALIGN * GemmBlas.ALIGN;
            long aOff = ta ? (long) k0 * lda : k0;
            long bOff = tb ? k0 : (long) k0 * ldb;
            if (p == 0) {
                GemmBlas.gemm(t, ta, tb, m, n, k1 - k0, alpha, a, aOff, lda, b, bOff, ldb, beta, expect, 0, n);
            } else {
                GemmBlas.gemm(t, ta, tb, m, n, k1 - k0, alpha, a, aOff, lda, b, bOff, ldb, 0, parts,
                        (long) (p - 1) * m * n, n);
            }
        }
        double[] want = serialSum(t, m, n, parts, slices - 1, expect, 0, n);
        GemmBlas.gemm(par, scratch, t, ta, tb, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, n);
        String what = t + " " + m + "x" + n + "x" + k + " on " + par.threads() + " threads (" + slices + " slices)";
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], Elem.get(c, t, i), 0.0, what + ", element " + i);
        }
    }
}
