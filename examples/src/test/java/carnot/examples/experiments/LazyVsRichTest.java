package carnot.examples.experiments;

import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Larger α moves the weights and features less (lazy); weight movement scales like 1/α for large α; features at
 * large α keep CKA ≈ 1 with their initial values while small α changes them.
 */
class LazyVsRichTest {

    @Test
    void largerAlphaIsLazier() {
        LazyVsRich.Config c = new LazyVsRich.Config(8, 64, 64, new double[] {0.5, 2, 8, 32}, 0.2, 300, 2);
        List<LazyVsRich.Row> rows = LazyVsRich.run(c, new CpuBackend(1), DType.F64);
        String t = LazyVsRich.table(rows);
        for (int i = 1; i < rows.size(); i++) {
            assertTrue(rows.get(i).weightMove() < rows.get(i - 1).weightMove(), "weight movement falls with alpha\n" + t);
            assertTrue(rows.get(i).featureMove() < rows.get(i - 1).featureMove(), "feature movement falls with alpha\n" + t);
        }
        double ratio = rows.get(2).weightMove() / rows.get(3).weightMove();
        assertTrue(ratio > 3 && ratio < 5.5, "lazy regime: movement ~ 1/alpha (x4 alpha -> /" + ratio + ")\n" + t);
        assertTrue(rows.get(3).ckaInit() > 0.999, "features frozen at large alpha\n" + t);
        assertTrue(rows.get(0).ckaInit() < rows.get(3).ckaInit(), t);
    }
}
