package carnot.science.spectral;

import carnot.science.plot.LinePlot;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A Gaussian-broadened spectral density from SLQ nodes and weights (see {@link Slq}).
 *
 * @param grid     evaluation points t_g (ascending)
 * @param density  phi(t_g)
 * @param sigma    the Gaussian width used
 * @param nodes    per probe: Ritz values
 * @param weights  per probe: squared first components of the Ritz vectors (sum 1)
 * @param products operator applications used
 * @param seconds  wall time
 */
public record SpectralDensity(double[] grid, double[] density, double sigma, double[][] nodes, double[][] weights,
                              int products, double seconds) {

    /** Broadens nodes/weights into a density on a grid spanning the nodes padded by 5 sigma. */
    static SpectralDensity broaden(double[][] nodes, double[][] weights, int gridPoints, double sigmaRel,
                                   int products, double seconds) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] ns : nodes) {
            for (double v : ns) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        double width = hi - lo;
        double sigma = sigmaRel * (width > 0 ? width : Math.max(Math.abs(hi), 1));
        double a = lo - 5 * sigma;
        double b = hi + 5 * sigma;
        double[] grid = new double[gridPoints];
        double[] dens = new double[gridPoints];
        double norm = 1 / (sigma * Math.sqrt(2 * Math.PI) * nodes.length);
        for (int g = 0; g < gridPoints; g++) {
            double t = a + (b - a) * g / (gridPoints - 1);
            grid[g] = t;
            double s = 0;
            for (int p = 0; p < nodes.length; p++) {
                for (int j = 0; j < nodes[p].length; j++) {
                    double z = (t - nodes[p][j]) / sigma;
                    s += weights[p][j] * Math.exp(-0.5 * z * z);
                }
            }
            dens[g] = s * norm;
        }
        return new SpectralDensity(grid, dens, sigma, nodes, weights, products, seconds);
    }

    /**
     * The quadrature moment {@code (1/probes) sum_v sum_j tau_vj theta_vj^p}, an unbiased-in-the-probes estimate
     * of {@code tr(A^p) / P} (exact per probe for p &lt; 2 steps).
     */
    public double moment(int p) {
        double s = 0;
        for (int v = 0; v < nodes.length; v++) {
            for (int j = 0; j < nodes[v].length; j++) {
                s += weights[v][j] * Math.pow(nodes[v][j], p);
            }
        }
        return s / nodes.length;
    }

    /** Trapezoid integral of the density over the grid (about 1). */
    public double integral() {
        double s = 0;
        for (int g = 1; g < grid.length; g++) {
            s += 0.5 * (density[g] + density[g - 1]) * (grid[g] - grid[g - 1]);
        }
        return s;
    }

    /** Two columns "eigenvalue density", one grid point a line, with a header line. */
    public String table() {
        StringBuilder sb = new StringBuilder("eigenvalue\tdensity\n");
        for (int g = 0; g < grid.length; g++) {
            sb.append(String.format(Locale.ROOT, "%.10g\t%.10g%n", grid[g], density[g]));
        }
        return sb.toString();
    }

    /** Writes a PNG of the density on a log y axis (values below 1e-12 of the peak are not drawn). */
    public void plot(Path png, String title) {
        double peak = 0;
        for (double d : density) {
            peak = Math.max(peak, d);
        }
        double[] y = new double[density.length];
        for (int g = 0; g < y.length; g++) {
            y[g] = density[g] >= 1e-12 * peak ? density[g] : Double.NaN;
        }
        LinePlot.titled(title).xLabel("eigenvalue").yLabel("density").logY()
                .series("SLQ density (sigma=" + String.format(Locale.ROOT, "%.3g", sigma) + ")", grid, y)
                .save(png);
    }
}
