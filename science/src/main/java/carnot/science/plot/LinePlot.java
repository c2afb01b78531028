package carnot.science.plot;

import carnot.engine.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A small headless line plot rendered with java.awt into a PNG: several named series, axes with ticks and labels,
 * a title, a legend, optional log x and/or y axes. No display is needed (only {@link BufferedImage}).
 *
 * <pre>{@code
 * LinePlot.titled("training loss").xLabel("step").yLabel("loss").logY()
 *         .series("train", steps, train).series("test", steps, test)
 *         .save(Path.of("loss.png"));
 * }</pre>
 *
 * <p>Points that are not finite, or not positive on a log axis, are skipped and break the line there. Axis ranges
 * are the data range padded by 4% (linear) or clamped to whole decades (log, when the data spans a decade or
 * more); {@link #xRange}/{@link #yRange} override them. Series colours follow a fixed palette in order.
 */
public final class LinePlot {
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf)
    };

    /** One named curve; x and y have equal length. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "' needs x and y of equal length; given "
                        + x.length + " and " + y.length);
            }
            x = x.clone();
            y = y.clone();
        }
    }

    private final String title;
    private String xLabel = "";
    private String yLabel = "";
    private boolean logX;
    private boolean logY;
    private double[] xRange;
    private double[] yRange;
    private final List<Series> series = new ArrayList<>();

    private LinePlot(String title) {
        this.title = title == null ? "" : title;
    }

    /** A new empty plot with the given title ("" for none). */
    public static LinePlot titled(String title) {
        return new LinePlot(title);
    }

    public LinePlot xLabel(String label) {
        this.xLabel = label == null ? "" : label;
        return this;
    }

    public LinePlot yLabel(String label) {
        this.yLabel = label == null ? "" : label;
        return this;
    }

    /** Makes the x axis logarithmic (base 10). */
    public LinePlot logX() {
        this.logX = true;
        return this;
    }

    /** Makes the y axis logarithmic (base 10). */
    public LinePlot logY() {
        this.logY = true;
        return this;
    }

    /** Fixes the x range to {@code [lo, hi]} (lo &lt; hi; both &gt; 0 on a log axis). */
    public LinePlot xRange(double lo, double hi) {
        this.xRange = checkRange("x", lo, hi);
        return this;
    }

    /** Fixes the y range to {@code [lo, hi]} (lo &lt; hi; both &gt; 0 on a log axis). */
    public LinePlot yRange(double lo, double hi) {
        this.yRange = checkRange("y", lo, hi);
        return this;
    }

    /** Adds a curve through the points {@code (x[i], y[i])} in the given order. */
    public LinePlot series(String name, double[] x, double[] y) {
        series.add(new Series(name, x, y));
        return this;
    }

    /** Adds a curve with x = 0, 1, 2, ... */
    public LinePlot series(String name, double[] y) {
        double[] x = new double[y.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        return series(name, x, y);
    }

    /** The series added so far, in order. */
    public List<Series> seriesList() {
        return List.copyOf(series);
    }

    /** Writes an 800 x 500 PNG to {@code file}, creating parent folders. */
    public void save(Path file) {
        save(file, 800, 500);
    }

    /** Writes a {@code width x height} PNG to {@code file} atomically ({@link AtomicFiles}), creating parent folders. */
    public void save(Path file, int width, int height) {
        BufferedImage img = render(width, height);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
            if (!ImageIO.write(img, "png", png)) {
                throw new IllegalStateException("no PNG writer available to write " + file);
            }
            AtomicFiles.write(file, png.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write plot PNG to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Renders the plot into a new RGB image of the given size (at least 200 x 150). */
    public BufferedImage render(int width, int height) {
        if (width < 200 || height < 150) {
            throw new IllegalArgumentException("plot size must be at least 200 x 150; given " + width + " x " + height);
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            draw(g, width, height);
        } finally {
            g.dispose();
        }
        return img;
    }

    private void draw(Graphics2D g, int width, int height) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        g.setFont(font);
        FontMetrics fm = g.getFontMetrics();

        Axis ax = Axis.of(logX, xRange, series, true);
        Axis ay = Axis.of(logY, yRange, series, false);
        double[] yTicks = ay.ticks();
        int tickLabelWidth = 0;
        for (double t : yTicks) {
            tickLabelWidth = Math.max(tickLabelWidth, fm.stringWidth(Ticks.format(t)));
        }
        int left = 16 + (yLabel.isEmpty() ? 0 : fm.getHeight()) + tickLabelWidth + 8;
        int right = width - 16;
        int top = title.isEmpty() ? 16 : 16 + fm.getHeight() + 6;
        int bottom = height - (16 + fm.getHeight() + 6 + (xLabel.isEmpty() ? 0 : fm.getHeight() + 4));
        int pw = right - left;
        int ph = bottom - top;

        g.setColor(new Color(0xe8e8e8));
        g.setStroke(new BasicStroke(1f));
        for (double t : ax.ticks()) {
            int px = left + (int) Math.round(ax.frac(t) * pw);
            g.drawLine(px, top, px, bottom);
        }
        for (double t : yTicks) {
            int py = bottom - (int) Math.round(ay.frac(t) * ph);
            g.drawLine(left, py, right, py);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, pw, ph);
        for (double t : ax.ticks()) {
            int px = left + (int) Math.round(ax.frac(t) * pw);
            g.drawLine(px, bottom, px, bottom + 4);
            String s = Ticks.format(t);
            g.drawString(s, px - fm.stringWidth(s) / 2, bottom + 6 + fm.getAscent());
        }
        for (double t : yTicks) {
            int py = bottom - (int) Math.round(ay.frac(t) * ph);
            g.drawLine(left - 4, py, left, py);
            String s = Ticks.format(t);
            g.drawString(s, left - 6 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
        }
        if (!title.isEmpty()) {
            Font bold = font.deriveFont(Font.BOLD, 14f);
            g.setFont(bold);
            FontMetrics bm = g.getFontMetrics();
            g.drawString(title, left + (pw - bm.stringWidth(title)) / 2, 12 + bm.getAscent() - 2);
            g.setFont(font);
        }
        if (!xLabel.isEmpty()) {
            g.drawString(xLabel, left + (pw - fm.stringWidth(xLabel)) / 2, height - 12);
        }
        if (!yLabel.isEmpty()) {
            AffineTransform saved = g.getTransform();
            g.rotate(-Math.PI / 2);
            g.drawString(yLabel, -(top + (ph + fm.stringWidth(yLabel)) / 2), 14 + fm.getAscent() - 2);
            g.setTransform(saved);
        }

        g.setClip(left + 1, top + 1, pw - 1, ph - 1);
        g.setStroke(new BasicStroke(1.8f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        for (int s = 0; s < series.size(); s++) {
            Series se = series.get(s);
            g.setColor(PALETTE[s % PALETTE.length]);
            Path2D.Double path = new Path2D.Double();
            boolean open = false;
            int drawn = 0;
            for (int i = 0; i < se.x().length; i++) {
                double x = se.x()[i];
                double y = se.y()[i];
                if (!ax.plottable(x) || !ay.plottable(y)) {
                    open = false;
                    continue;
                }
                double px = left + ax.frac(x) * pw;
                double py = bottom - ay.frac(y) * ph;
                if (open) {
                    path.lineTo(px, py);
                } else {
                    path.moveTo(px, py);
                    open = true;
                }
                drawn++;
            }
            if (drawn == 1) {
                path.lineTo(path.getCurrentPoint().getX() + 0.01, path.getCurrentPoint().getY());
            }
            g.draw(path);
        }
        g.setClip(null);
        drawLegend(g, fm, right, top);
    }

    private void drawLegend(Graphics2D g, FontMetrics fm, int right, int top) {
        boolean anyName = series.stream().anyMatch(s -> s.name() != null && !s.name().isEmpty());
        if (!anyName) {
            return;
        }
        int lineH = fm.getHeight();
        int textW = 0;
        for (Series s : series) {
            textW = Math.max(textW, fm.stringWidth(s.name() == null ? "" : s.name()));
        }
        int boxW = textW + 40;
        int boxH = lineH * series.size() + 8;
        int x0 = right - boxW - 8;
        int y0 = top + 8;
        g.setColor(new Color(255, 255, 255, 230));
        g.fillRect(x0, y0, boxW, boxH);
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(x0, y0, boxW, boxH);
        for (int s = 0; s < series.size(); s++) {
            int cy = y0 + 4 + s * lineH + lineH / 2;
            g.setColor(PALETTE[s % PALETTE.length]);
            g.setStroke(new BasicStroke(2.5f));
            g.drawLine(x0 + 6, cy, x0 + 26, cy);
            g.setColor(Color.BLACK);
            String name = series.get(s).name() == null ? "" : series.get(s).name();
            g.drawString(name, x0 + 32, cy + fm.getAscent() / 2 - 1);
        }
    }

    private static double[] checkRange(String axis, double lo, double hi) {
        if (!(lo < hi) || !Double.isFinite(lo) || !Double.isFinite(hi)) {
            throw new IllegalArgumentException(axis + " range needs finite lo < hi; given [" + lo + ", " + hi + "]");
        }
        return new double[] {lo, hi};
    }

    /** One axis: range and mapping value → fraction of the plot size (0 at the low end). */
    private record Axis(boolean log, double lo, double hi) {
        static Axis of(boolean log, double[] fixed, List<Series> series, boolean isX) {
            if (fixed != null) {
                if (log && fixed[0] <= 0) {
                    throw new IllegalArgumentException("log axis range must be > 0; given [" + fixed[0] + ", "
                            + fixed[1] + "]");
                }
                return new Axis(log, fixed[0], fixed[1]);
            }
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (Series s : series) {
                double[] v = isX ? s.x() : s.y();
                for (double d : v) {
                    if (Double.isFinite(d) && (!log || d > 0)) {
                        lo = Math.min(lo, d);
                        hi = Math.max(hi, d);
                    }
                }
            }
            if (lo > hi) {
                return log ? new Axis(true, 1, 10) : new Axis(false, 0, 1);
            }
            if (log) {
                double l0 = Math.log10(lo);
                double l1 = Math.log10(hi);
                if (l1 - l0 < 1e-12) {
                    return new Axis(true, lo / 2, hi * 2);
                }
                if (l1 - l0 >= 1) {
                    return new Axis(true, Math.pow(10, Math.floor(l0 + 1e-9)), Math.pow(10, Math.ceil(l1 - 1e-9)));
                }
                double pad = 0.04 * (l1 - l0);
                return new Axis(true, Math.pow(10, l0 - pad), Math.pow(10, l1 + pad));
            }
            if (hi - lo < 1e-300 + 1e-12 * Math.abs(hi)) {
                double d = hi == 0 ? 1 : Math.abs(hi) * 0.1;
                return new Axis(false, lo - d, hi + d);
            }
            double pad = 0.04 * (hi - lo);
            return new Axis(false, lo - pad, hi + pad);
        }

        double[] ticks() {
            return log ? Ticks.log(lo, hi) : Ticks.linear(lo, hi, 6);
        }

        boolean plottable(double v) {
            return Double.isFinite(v) && (!log || v > 0);
        }

        double frac(double v) {
            return log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
        }
    }
}
