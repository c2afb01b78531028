package carnot.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Same inputs and thread count give bitwise the same outputs on every run: a pipeline of reductions, dots,
 * softmax, layer norm, scatter-add, GEMMs and RNG run three times (the first partly interpreted, later ones
 * JIT-compiled) must agree bit for bit.
 */
class DeterminismTest {

    static Stream<Backends.Entry> backends() {
        return Backends.forTests().stream();
    }

    private static List<double[]> pipeline(Backend be, DType dt) {
        List<double[]> res = new ArrayList<>();
        int n = 60_007;
        Buffer x = be.alloc(dt, n);
        Buffer y = be.alloc(dt, n);
        be.normal(x, n, 5, 0, 0, 1);
        be.uniform(y, n, 6, 0, -1, 1);
        res.add(new double[]{be.dot(n, x, y)});
        be.unary(Unary.TANH, x, y, n);
        res.add(HostData.toDoubles(y));
        Buffer s = be.alloc(dt, 1);
        be.reduce(Reduce.SUM, y, s, 1, n, 1);
        res.add(HostData.toDoubles(s));
        Buffer cols = be.alloc(dt, 1001);
        be.reduce(Reduce.SUMSQ, x, cols, 1, 59, 1001);
        res.add(HostData.toDoubles(cols));
        be.softmax(x, y, 59, 1005, true);
        res.add(HostData.toDoubles(y));
        Buffer mu = be.alloc(dt, 59);
        Buffer rs = be.alloc(dt, 59);
        be.layerNorm(x, y, mu, rs, 59, 1005, 1e-5);
        be.layerNormBackward(x, x, mu, rs, y, 59, 1005);
        res.add(HostData.toDoubles(y));
        Buffer table = be.alloc(dt, 50 * 90);
        int[] id = new int[600];
        for (int i = 0; i < id.length; i++) {
            id[i] = (i * 37) % 50;
        }
        Buffer idx = HostData.uploadInts(be, id);
        be.scatterAddRows(x, idx, 600, 90, table, 50);
        res.add(HostData.toDoubles(table));
        Buffer c = be.alloc(dt, 12 * 70 * 70);
        be.gemmBatched(false, true, 70, 70, 90, 1, x, 0, 90, 90, y, 7, 90, 0, 0, c, 0, 70, 4900, 12);
        res.add(HostData.toDoubles(c));
        for (Buffer b : new Buffer[]{x, y, s, cols, mu, rs, table, idx, c}) {
            b.close();
        }
        return res;
    }

    /** Three runs of the pipeline are bitwise equal, per dtype. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void repeatedRunsAreBitwiseEqual(Backends.Entry entry) {
        for (DType dt : new DType[]{DType.F32, DType.F64}) {
            try (Backend be = entry.factory().get()) {
                List<double[]> first = pipeline(be, dt);
                for (int run = 1; run < 3; run++) {
                    List<double[]> again = pipeline(be, dt);
                    for (int k = 0; k < first.size(); k++) {
                        assertArrayEquals(first.get(k), again.get(k), 0.0,
                                entry.name() + " " + dt + ": step " + k + " differs on run " + run);
                    }
                }
            }
        }
    }

    /**
     * Elementwise ops, RNG, gather, scatter-add, softmax, layer norm and GEMM give bitwise the same result on 1 and
     * 2 threads (chunk bounds are aligned to whole vectors and rows are never split).
     */
    @org.junit.jupiter.api.Test
    void threadCountIndependentOpsAgreeAcrossThreadCounts() {
        for (DType dt : new DType[]{DType.F32, DType.F64}) {
            try (CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2)) {
                List<double[]> a = independent(one, dt);
                List<double[]> b = independent(two, dt);
                for (int k = 0; k < a.size(); k++) {
                    assertArrayEquals(a.get(k), b.get(k), 0.0, dt + ": step " + k + " differs between 1 and 2 threads");
                }
            }
        }
    }

    private static List<double[]> independent(Backend be, DType dt) {
        List<double[]> res = new ArrayList<>();
        int n = 70_001;
        Buffer x = be.alloc(dt, n);
        Buffer y = be.alloc(dt, n);
        be.normal(x, n, 9, 3, 0, 1);
        res.add(HostData.toDoubles(x));
        for (Unary op : new Unary[]{Unary.TANH, Unary.GELU, Unary.EXP, Unary.D_SIGMOID}) {
            be.unary(op, x, y, n);
            res.add(HostData.toDoubles(y));
        }
        be.binary(Binary.MUL, x, x, y, Broadcast.of(new int[]{n}, new int[]{n}));
        res.add(HostData.toDoubles(y));
        be.softmax(x, y, 67, 1031, false);
        res.add(HostData.toDoubles(y));
        Buffer mu = be.alloc(dt, 67);
        Buffer rs = be.alloc(dt, 67);
        be.layerNorm(x, y, mu, rs, 67, 1031, 1e-5);
        res.add(HostData.toDoubles(y));
        Buffer table = be.alloc(dt, 40 * 700);
        int[] id = new int[90];
        for (int i = 0; i < id.length; i++) {
            id[i] = (i * 7) % 40;
        }
        Buffer idx = HostData.uploadInts(be, id);
        be.scatterAddRows(x, idx, 90, 700, table, 40);
        res.add(HostData.toDoubles(table));
        be.gatherRows(table, 40, 700, idx, 90, y);
        res.add(HostData.toDoubles(y));
        Buffer c = be.alloc(dt, 150 * 160);
        be.gemm(true, false, 150, 160, 170, 1, x, 0, 150, x, 11, 160, 0, c, 0, 160);
        res.add(HostData.toDoubles(c));
        for (Buffer b : new Buffer[]{x, y, mu, rs, table, idx, c}) {
            b.close();
        }
        return res;
    }
}
