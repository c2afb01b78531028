package carnot.kernels;

import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every backend rejects bad input (sizes that do not fit, wrong dtype, foreign or freed buffers, out-of-range
 * indices, negative sizes) with an exception naming the op and what was given, and leaves the output untouched.
 */
class BadInputTest {

    static Stream<Backends.Entry> backends() {
        return Backends.forTests().stream();
    }

    /** Asserts {@code call} throws {@code type} with a message containing op, and {@code out} is unchanged. */
    private static void rejects(Class<? extends RuntimeException> type, String op, Buffer out, Executable call) {
        double[] before = out.isFreed() ? new double[0] : HostData.toDoubles(out);
        RuntimeException e = assertThrows(type, call);
        assertTrue(e.getMessage().contains(op), "message names the op '" + op + "': " + e.getMessage());
        if (!out.isFreed()) {
            assertArrayEquals(before, HostData.toDoubles(out), "output untouched after rejected " + op);
        }
    }

    /** GEMM with C too small, A too small for its transposed shape, bad lda, negative m. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void gemmShapesThatDoNotFit(Backends.Entry entry) {
        try (Backend be = entry.factory().get()) {
            Buffer a = HostData.upload(be, new double[12]);
            Buffer b = HostData.upload(be, new double[12]);
            Buffer c = HostData.upload(be, new double[]{1, 2, 3, 4, 5, 6, 7, 8});
            rejects(IndexOutOfBoundsException.class, "gemm", c,
                    () -> be.gemm(false, false, 3, 3, 4, 1, a, 0, 4, b, 0, 3, 0, c, 0, 3));
            rejects(IndexOutOfBoundsException.class, "gemm", c,
                    () -> be.gemm(true, false, 2, 2, 4, 1, a, 5, 2, b, 0, 2, 0, c, 0, 2));
            rejects(IllegalArgumentException.class, "gemm", c,
                    () -> be.gemm(false, false, 2, 2, 4, 1, a, 0, 3, b, 0, 2, 0, c, 0, 2));
            rejects(IllegalArgumentException.class, "gemm", c,
                    () -> be.gemm(false, false, -1, 2, 2, 1, a, 0, 2, b, 0, 2, 0, c, 0, 2));
            rejects(IndexOutOfBoundsException.class, "gemmBatched", c,
                    () -> be.gemmBatched(false, false, 2, 2, 2, 1, a, 0, 2, 4, b, 0, 2, 0, 0, c, 0, 2, 4, 3));
        }
    }

    /** Mixed dtypes and I32 where floats are required. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void wrongDtype(Backends.Entry entry) {
        try (Backend be = entry.factory().get()) {
            Buffer x = HostData.upload(be, DType.F32, new double[]{1, 2, 3});
            Buffer y = HostData.upload(be, new double[]{1, 2, 3});
            Buffer i = HostData.uploadInts(be, new int[]{1, 2, 3});
            rejects(IllegalArgumentException.class, "unary", y, () -> be.unary(Unary.TANH, x, y, 3));
            rejects(IllegalArgumentException.class, "axpy", y, () -> be.axpy(3, 1, x, y));
            rejects(IllegalArgumentException.class, "softmax", y, () -> be.softmax(i, y, 1, 3, false));
            rejects(IllegalArgumentException.class, "gatherRows", y, () -> be.gatherRows(y, 3, 1, x, 3, y));
            rejects(IllegalArgumentException.class, "copy", y, () -> be.copy(x, 0, y, 0, 3));
        }
    }

    /** Lengths, offsets and views beyond the buffer; negative counts. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void sizesBeyondBuffers(Backends.Entry entry) {
        try (Backend be = entry.factory().get()) {
            Buffer x = HostData.upload(be, new double[]{1, 2, 3, 4});
            Buffer y = HostData.upload(be, new double[]{5, 6, 7});
            rejects(IndexOutOfBoundsException.class, "unary", y, () -> be.unary(Unary.EXP, x, y, 4));
            rejects(IndexOutOfBoundsException.class, "fill", y, () -> be.fill(y, 2, 2, 0));
            rejects(IllegalArgumentException.class, "affine", y, () -> be.affine(x, y, -1, 1, 0));
            rejects(IndexOutOfBoundsException.class, "copy", y, () -> be.copy(x, 2, y, 0, 3));
            rejects(IndexOutOfBoundsException.class, "reduce", y, () -> be.reduce(Reduce.SUM, x, y, 2, 1, 2));
            rejects(IndexOutOfBoundsException.class, "layerNorm", y,
                    () -> be.layerNorm(x, x, y, y, 4, 1, 1e-5));
            Broadcast bad = new Broadcast(new int[]{2, 3}, new long[]{3, 1}, 0, new long[]{0, 1}, 0);
            rejects(IndexOutOfBoundsException.class, "binary", y, () -> be.binary(Binary.ADD, x, y, y, bad));
            Broadcast neg = new Broadcast(new int[]{3}, new long[]{-1}, 1, new long[]{0}, 0);
            rejects(IndexOutOfBoundsException.class, "copyStrided", y, () -> be.copyStrided(x, neg, y, 0));
            rejects(IndexOutOfBoundsException.class, "upload", y,
                    () -> be.upload(java.lang.foreign.MemorySegment.ofArray(new double[2]), y, 0, 3));
        }
    }

    /**
     * Indices outside [0, rows) in gather and scatter-add, with the message naming the bad index and the table size;
     * the table/output stays as it was. A device backend may check on the device and raise the error at its next
     * synchronisation point, so the call is followed by {@code synchronize()}.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void indexOutOfRange(Backends.Entry entry) {
        try (Backend be = entry.factory().get()) {
            Buffer table = HostData.upload(be, new double[]{1, 2, 3, 4, 5, 6});
            Buffer idx = HostData.uploadInts(be, new int[]{0, 2, 3});
            Buffer neg = HostData.uploadInts(be, new int[]{-1});
            Buffer out = HostData.upload(be, new double[]{9, 9, 9, 9, 9, 9});
            rejects(IndexOutOfBoundsException.class, "gatherRows: index idx[2] must be in [0, 3); given 3", out,
                    () -> {
                        be.gatherRows(table, 3, 2, idx, 3, out);
                        be.synchronize();
                    });
            rejects(IndexOutOfBoundsException.class, "scatterAddRows: index idx[2] must be in [0, 3); given 3", table,
                    () -> {
                        be.scatterAddRows(out, idx, 3, 2, table, 3);
                        be.synchronize();
                    });
            rejects(IndexOutOfBoundsException.class, "gatherRows: index idx[0] must be in [0, 3); given -1", out,
                    () -> {
                        be.gatherRows(table, 3, 2, neg, 1, out);
                        be.synchronize();
                    });
        }
    }

    /** Use after free and buffers of another backend instance. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void freedAndForeignBuffers(Backends.Entry entry) {
        try (Backend be = entry.factory().get(); Backend other = entry.factory().get()) {
            Buffer x = HostData.upload(be, new double[]{1, 2});
            Buffer y = HostData.upload(be, new double[]{3, 4});
            Buffer foreign = HostData.upload(other, new double[]{5, 6});
            rejects(IllegalArgumentException.class, "unary", y, () -> be.unary(Unary.NEG, foreign, y, 2));
            rejects(IllegalArgumentException.class, "free", foreign, () -> be.free(foreign));
            be.free(x);
            be.free(x);
            rejects(IllegalStateException.class, "dot", y, () -> be.dot(2, x, y));
            rejects(IllegalStateException.class, "unary", y, () -> be.unary(Unary.NEG, x, y, 2));
            assertTrue(Arrays.equals(new double[]{3, 4}, HostData.toDoubles(y)));
            foreign.close();
        }
    }
}
