package carnot.examples.experiments;

import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.DataSet;
import carnot.engine.param.Parameterization;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.data.Generated;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Coordinate check over widths 64..512 (base 64), 5 GD steps at a fixed base rate: under µP every layer's
 * pre-activation size and its change stay within 1.5× across widths; under SP the output change grows with width.
 */
class CoordinateCheckTest {

    @Test
    void mupStableAcrossWidthsSpGrows() {
        CpuBackend be = new CpuBackend(1);
        DataSet ds = Data.of(Generated.gaussianMixture(64, 16, 4, 3, 0).oneHot(4), be, DType.F64);
        CoordinateCheck.Config c = new CoordinateCheck.Config(16, 4, new int[] {64, 128, 256, 512}, 2, 64, 0.1, 5,
                Activation.TANH, 1);
        List<CoordinateCheck.Row> mup = CoordinateCheck.run(c, Parameterization.mup(), be, DType.F64, ds);
        List<CoordinateCheck.Row> sp = CoordinateCheck.run(c, Parameterization.sp(), be, DType.F64, ds);
        String table = CoordinateCheck.table(mup) + CoordinateCheck.table(sp);
        for (int layer = 1; layer <= 3; layer++) {
            assertTrue(CoordinateCheck.spread(mup, layer, false) <= 1.5, "muP activations, layer " + layer + "\n" + table);
            assertTrue(CoordinateCheck.spread(mup, layer, true) <= 1.5, "muP updates, layer " + layer + "\n" + table);
        }
        assertTrue(CoordinateCheck.growth(sp, 3) > 2, "SP output change grows with width\n" + table);
        assertTrue(CoordinateCheck.growth(sp, 2) > 2, "SP hidden change grows with width\n" + table);
    }
}
