package carnot.science.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests for {@link LinePlot} and {@link Ticks}. */
class LinePlotTest {

    /** Linear ticks are 1/2/5 x 10^e multiples covering the range. */
    @Test
    void linearTicksAreNiceNumbersInsideRange() {
        assertArrayEquals(new double[] {0, 0.2, 0.4, 0.6, 0.8, 1.0}, Ticks.linear(0, 1, 5), 1e-12);
        assertArrayEquals(new double[] {-10, 0, 10, 20, 30}, Ticks.linear(-13, 34, 5), 1e-12);
        assertEquals(500, Ticks.niceStep(0, 2300, 6), 0);
    }

    /** Log ticks are the powers of ten in range, thinned over many decades, linear below one decade. */
    @Test
    void logTicksArePowersOfTen() {
        assertArrayEquals(new double[] {1e-3, 1e-2, 1e-1, 1}, Ticks.log(1e-3, 1), 1e-18);
        assertArrayEquals(new double[] {1e-16, 1e-13, 1e-10, 1e-7, 1e-4, 1e-1}, Ticks.log(1e-16, 1e0), 1e-20); // 17 decades, every 3rd
        assertTrue(Ticks.log(2, 5).length >= 2);
        assertThrows(IllegalArgumentException.class, () -> Ticks.log(0, 1));
    }

    /** Labels are short and exact for round values. */
    @Test
    void labelsAreCompact() {
        assertEquals("0", Ticks.format(0));
        assertEquals("0.2", Ticks.format(0.2));
        assertEquals("-10", Ticks.format(-10));
        assertEquals("1e-05", Ticks.format(1e-5));
        assertEquals("2.5e+06", Ticks.format(2.5e6));
    }

    /** Each series is drawn in its own palette colour inside the axes; the PNG on disk has the requested size. */
    @Test
    void rendersSeriesColoursAndWritesPng(@TempDir Path dir) throws Exception {
        double[] x = new double[50];
        double[] a = new double[50];
        double[] b = new double[50];
        for (int i = 0; i < 50; i++) {
            x[i] = i + 1;
            a[i] = Math.exp(-0.1 * i);
            b[i] = 0.5 * Math.exp(-0.05 * i);
        }
        LinePlot p = LinePlot.titled("loss").xLabel("step").yLabel("loss").logY()
                .series("train", x, a).series("test", x, b);
        BufferedImage img = p.render(640, 400);
        assertTrue(countColour(img, 0x1f77b4) > 100, "first series drawn in blue");
        assertTrue(countColour(img, 0xd62728) > 100, "second series drawn in red");
        Path file = dir.resolve("sub/loss.png");
        p.save(file, 640, 400);
        BufferedImage back = ImageIO.read(Files.newInputStream(file));
        assertEquals(640, back.getWidth());
        assertEquals(400, back.getHeight());
    }

    /** Non-positive values on a log axis and NaNs are skipped rather than failing. */
    @Test
    void skipsUnplottablePoints() {
        LinePlot p = LinePlot.titled("").logY().series("s", new double[] {1, 2, 3, 4}, new double[] {1, 0, Double.NaN, 0.1});
        BufferedImage img = p.render(300, 200);
        assertEquals(300, img.getWidth());
    }

    /** Bad input names what was required and what was given. */
    @Test
    void rejectsBadInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinePlot.titled("t").series("s", new double[3], new double[2]));
        assertTrue(e.getMessage().contains("3 and 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LinePlot.titled("t").render(10, 10));
        assertThrows(IllegalArgumentException.class, () -> LinePlot.titled("t").xRange(2, 1));
    }

    private static int countColour(BufferedImage img, int rgb) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xffffff) == rgb) {
                    n++;
                }
            }
        }
        return n;
    }
}
