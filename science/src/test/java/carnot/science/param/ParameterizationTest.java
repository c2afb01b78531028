package carnot.science.param;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import carnot.engine.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parameterization tables: reduction to SP at the base shape, the µP/NTP/MF scalings, printing. */
class ParameterizationTest {
    private static final List<ParamInfo> MLP = List.of(
            new ParamInfo("layers.0.weight", Role.INPUT, 10, 10 * 64),
            new ParamInfo("layers.0.bias", Role.BIAS, 10, 64),
            new ParamInfo("layers.1.weight", Role.HIDDEN, 64, 64 * 64),
            new ParamInfo("layers.2.weight", Role.READOUT, 64, 64 * 3),
            new ParamInfo("attn.q", Role.ATTN_LOGIT, 64, 64 * 64));

    /** Every preset equals SP exactly (bitwise) at width ratio 1 and depth ratio 1. */
    @Test
    void everyPresetIsStandardAtBaseShape() {
        Table sp = Parameterization.sp().resolve(MLP, 1, 1);
        for (String name : List.of("ntp", "mup", "mf", "depth-mup", "mup-adam")) {
            Table t = Parameterization.preset(name, false).resolve(MLP, 1, 1);
            for (int i = 0; i < MLP.size(); i++) {
                Table.Row a = sp.rows().get(i);
                Table.Row b = t.rows().get(i);
                assertEquals(a.initStd(), b.initStd(), 0, name + " " + a.param().name());
                assertEquals(a.multiplier(), b.multiplier(), 0, name);
                assertEquals(a.lrMult(), b.lrMult(), 0, name);
            }
        }
        assertEquals(1 / Math.sqrt(64), sp.rows().get(2).initStd(), 0);
        assertTrue(Double.isNaN(sp.rows().get(1).initStd()), "biases keep the model's init");
    }

    /** µP (SGD) at m = 4: input lr ×4, readout std ×1/2 (on top of 1/√fan_in), readout lr ×1/4, attention ×1/2. */
    @Test
    void mupScalesAtWidthRatioFour() {
        Table t = Parameterization.mup().resolve(MLP, 4, 1);
        assertEquals(4, t.rows().get(0).lrMult(), 0);
        assertEquals(4, t.rows().get(1).lrMult(), 0);
        assertEquals(1, t.rows().get(2).lrMult(), 0);
        assertEquals(0.5 / Math.sqrt(64), t.rows().get(3).initStd(), 1e-15);
        assertEquals(0.25, t.rows().get(3).lrMult(), 0);
        assertEquals(0.5, t.rows().get(4).multiplier(), 0);
        Table adam = Parameterization.preset("mup", true).resolve(MLP, 4, 1);
        assertEquals("mup-adam", adam.parameterization().name());
        assertEquals(0.25, adam.rows().get(2).lrMult(), 0);
        assertEquals(1, adam.rows().get(0).lrMult(), 0);
    }

    /**
     * The effective readout (multiplier · weight) has the same init std and the same effective step size
     * (multiplier² · lr) under µP and mean-field at every width: the two are the same dynamics.
     */
    @Test
    void meanFieldMatchesMupEffectiveReadout() {
        for (double m : new double[] {0.5, 2, 16}) {
            Table.Row mu = Parameterization.mup().resolve(MLP, m, 1).rows().get(3);
            Table.Row mf = Parameterization.meanField().resolve(MLP, m, 1).rows().get(3);
            assertEquals(mu.initStd() * mu.multiplier(), mf.initStd() * mf.multiplier(), 1e-15);
            assertEquals(mu.lrMult() * mu.multiplier() * mu.multiplier(), mf.lrMult() * mf.multiplier() * mf.multiplier(), 1e-15);
        }
        Table.Row ntk = Parameterization.ntp().resolve(MLP, 9, 1).rows().get(2);
        assertEquals(1 / Math.sqrt(64), ntk.initStd() * ntk.multiplier(), 1e-15);
    }

    /** Depth-µP scales only residual-branch output projections by 1/√(L/L₀); other hidden weights keep µP's. */
    @Test
    void depthMupScalesResidualBranchOutputsByInverseSqrtDepth() {
        List<ParamInfo> tf = List.of(new ParamInfo("blocks.0.attn.proj.weight", Role.HIDDEN, 64, 64 * 64),
                new ParamInfo("blocks.3.mlp.proj.weight", Role.HIDDEN, 256, 64 * 256),
                new ParamInfo("blocks.0.mlp.fc.weight", Role.HIDDEN, 64, 64 * 256));
        Table t = Parameterization.preset("depth-mup", false).resolve(tf, 2, 4);
        assertEquals(0.5, t.rows().get(0).multiplier(), 0);
        assertEquals(0.5, t.rows().get(1).multiplier(), 0);
        assertEquals(1, t.rows().get(2).multiplier(), 0);
        assertEquals("1·L^-0.5", t.rows().get(0).rule().multiplier().toString());
        Table adam = Parameterization.preset("depth-mup", true).resolve(tf, 2, 4);
        assertEquals(0.5, adam.rows().get(2).lrMult(), 0);
        assertEquals(0.5, adam.rows().get(0).multiplier(), 0);
        assertEquals(1, Parameterization.preset("depth-mup", false).resolve(MLP, 1, 4).rows().get(2).multiplier(), 0,
                "an MLP has no residual branches");
    }

    /** The init scale multiplies init stds only (multipliers and learning rates unchanged). */
    @Test
    void initScaleMultipliesInitStd() {
        Table a = Parameterization.mup().resolve(MLP, 4, 1);
        Table b = Parameterization.mup().withInitScale(0.5).resolve(MLP, 4, 1);
        for (int i = 0; i < MLP.size(); i++) {
            Table.Row x = a.rows().get(i);
            Table.Row y = b.rows().get(i);
            if (Double.isNaN(x.initStd())) {
                assertTrue(Double.isNaN(y.initStd()));
            } else {
                assertEquals(0.5 * x.initStd(), y.initStd(), 1e-15);
            }
            assertEquals(x.multiplier(), y.multiplier(), 0);
            assertEquals(x.lrMult(), y.lrMult(), 0);
        }
        assertThrows(IllegalArgumentException.class, () -> Parameterization.sp().withInitScale(0));
    }

    @Test
    void alphaLearningRateAndFormatting() {
        Parameterization p = Parameterization.sp().withAlpha(10);
        assertEquals(0.01, p.alphaLrFactor(), 1e-18);
        String text = p.resolve(MLP, 2, 1).format();
        assertTrue(text.contains("alpha=10") && text.contains("layers.2.weight") && text.contains("READOUT"), text);
        assertEquals(10 * 64 + 64 + 64 * 64 + 64 * 3 + 64 * 64, p.resolve(MLP, 2, 1).lrMultipliers().length);
        assertThrows(IllegalArgumentException.class, () -> Parameterization.preset("xp", false));
        assertThrows(IllegalArgumentException.class, () -> p.withAlpha(0));
        assertThrows(IllegalArgumentException.class, () -> p.resolve(MLP, 0, 1));
    }
}
