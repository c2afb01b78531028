package carnot.science.train;

import carnot.science.plot.LinePlot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * PNG plots of a run's main curves, read back from its {@code metrics.csv} (so they also cover resumed runs):
 * {@code loss.png} (training loss and, when present, held-out loss, log scale), {@code sharpness.png} (λ_max with
 * the GD stability threshold 2/η) and {@code eigs.png} (top-k eigenvalues) when those columns were measured. Each
 * PNG is rendered to bytes and written atomically ({@link LinePlot#save}), so a killed run never leaves a torn plot.
 */
public final class RunPlots {
    private RunPlots() {
    }

    /** A column of metrics.csv as doubles (NaN for empty cells), or null if there is no such column. */
    public static double[] column(List<String> lines, String name) {
        String[] header = lines.getFirst().split(",", -1);
        int c = -1;
        for (int i = 0; i < header.length; i++) {
            if (header[i].equals(name)) {
                c = i;
            }
        }
        if (c < 0) {
            return null;
        }
        double[] v = new double[lines.size() - 1];
        for (int r = 1; r < lines.size(); r++) {
            String[] cells = lines.get(r).split(",", -1);
            v[r - 1] = c < cells.length && !cells[c].isEmpty() ? Double.parseDouble(cells[c]) : Double.NaN;
        }
        return v;
    }

    /** Writes the plots into {@code dir}; returns the files written. */
    public static List<Path> write(Path dir) {
        List<String> lines;
        try {
            lines = Files.readAllLines(dir.resolve("metrics.csv"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve("metrics.csv") + ": " + e.getMessage(), e);
        }
        List<Path> files = new ArrayList<>();
        if (lines.size() < 2) {
            return files;
        }
        double[] step = column(lines, "step");
        LinePlot loss = LinePlot.titled("loss").xLabel("step").yLabel("loss").logY().series("train", step, column(lines, "loss"));
        double[] test = column(lines, "test_loss");
        if (test != null) {
            Masked m = Masked.of(step, test);
            loss.series("held-out", m.x, m.y);
        }
        files.add(save(loss, dir.resolve("loss.png")));
        double[] sharp = column(lines, "sharpness");
        if (sharp != null) {
            Masked m = Masked.of(step, sharp);
            double[] lr = column(lines, "lr");
            double[] limit = new double[lr.length];
            for (int i = 0; i < lr.length; i++) {
                limit[i] = 2 / lr[i];
            }
            files.add(save(LinePlot.titled("sharpness").xLabel("step").yLabel("top Hessian eigenvalue")
                    .series("sharpness", m.x, m.y).series("2/lr", step, limit), dir.resolve("sharpness.png")));
        }
        if (column(lines, "eig_1") != null) {
            LinePlot eig = LinePlot.titled("top Hessian eigenvalues").xLabel("step").yLabel("eigenvalue");
            for (int k = 1; column(lines, "eig_" + k) != null; k++) {
                Masked m = Masked.of(step, column(lines, "eig_" + k));
                eig.series("eig " + k, m.x, m.y);
            }
            files.add(save(eig, dir.resolve("eigs.png")));
        }
        return files;
    }

    private static Path save(LinePlot p, Path f) {
        p.save(f);
        return f;
    }

    /** The points where y is a number. */
    private record Masked(double[] x, double[] y) {
        static Masked of(double[] x, double[] y) {
            int n = 0;
            for (double v : y) {
                n += Double.isNaN(v) ? 0 : 1;
            }
            double[] a = new double[n];
            double[] b = new double[n];
            int k = 0;
            for (int i = 0; i < y.length; i++) {
                if (!Double.isNaN(y[i])) {
                    a[k] = x[i];
                    b[k++] = y[i];
                }
            }
            return new Masked(a, b);
        }
    }
}
