package carnot.science.observe;

/**
 * Neural-collapse metrics of Papyan, Han and Donoho (2020) on last-layer features.
 *
 * <p>With features h_i ∈ R^d (rows of H, N x d), labels y_i ∈ {0..C-1}, class means μ_c, global mean μ_G
 * (mean of the class means), M = [μ_c − μ_G] (C x d):
 * <ul>
 *   <li>NC1 = tr(Σ_W Σ_B⁺)/C with Σ_W = (1/N) Σ_i (h_i − μ_{y_i})(h_i − μ_{y_i})ᵀ, Σ_B = (1/C) Σ_c (μ_c − μ_G)(μ_c − μ_G)ᵀ;</li>
 *   <li>NC2 equinorm = std_c ‖μ_c − μ_G‖ / mean_c ‖μ_c − μ_G‖; NC2 equiangularity = mean_{c≠c'} |cos(μ_c − μ_G, μ_c' − μ_G) + 1/(C−1)|;</li>
 *   <li>NC3 = ‖ W/‖W‖_F − M/‖M‖_F ‖_F for the classifier W (C x d);</li>
 *   <li>NC4 = fraction of samples where argmax_c (W h + b)_c differs from the nearest class mean argmin_c ‖h − μ_c‖.</li>
 * </ul>
 * All vanish at perfect collapse onto a simplex equiangular tight frame with a self-dual classifier.
 */
public final class NeuralCollapse {

    /** The four metrics; NC3 and NC4 are NaN when no classifier was given. */
    public record Result(double nc1, double nc2Norm, double nc2Angle, double nc3, double nc4) {
    }

    private NeuralCollapse() {
    }

    /**
     * @param features   N x d last-layer features
     * @param labels     N class ids in [0, classes)
     * @param classes    C ≥ 2; every class must occur
     * @param classifier C x d readout weights, or null
     * @param bias       C readout biases, or null (zero)
     */
    public static Result of(Matrix features, int[] labels, int classes, Matrix classifier, double[] bias) {
        int n = features.rows();
        int d = features.cols();
        if (labels.length != n) {
            throw new IllegalArgumentException("neural collapse needs one label per feature row; given " + labels.length
                    + " labels for " + n + " rows");
        }
        if (classes < 2) {
            throw new IllegalArgumentException("neural collapse needs at least 2 classes; given " + classes);
        }
        double[] means = new double[classes * d];
        int[] count = new int[classes];
        for (int i = 0; i < n; i++) {
            int c = labels[i];
            if (c < 0 || c >= classes) {
                throw new IllegalArgumentException("label " + c + " at row " + i + " outside [0, " + classes + ")");
            }
            count[c]++;
            for (int j = 0; j < d; j++) {
                means[c * d + j] += features.data()[i * d + j];
            }
        }
        for (int c = 0; c < classes; c++) {
            if (count[c] == 0) {
                throw new IllegalArgumentException("class " + c + " has no samples; every class must occur");
            }
            for (int j = 0; j < d; j++) {
                means[c * d + j] /= count[c];
            }
        }
        Matrix mu = new Matrix(classes, d, means);
        Matrix centered = mu.centerColumns();
        double[] within = new double[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                within[i * d + j] = features.data()[i * d + j] - means[labels[i] * d + j];
            }
        }
        Matrix wc = new Matrix(n, d, within);
        Matrix sigmaW = wc.transpose().times(wc).scale(1.0 / n);
        Matrix sigmaB = centered.transpose().times(centered).scale(1.0 / classes);
        double nc1 = sigmaW.times(sigmaB.symmetricPseudoInverse(1e-10)).trace() / classes;

        double[] norms = new double[classes];
        double meanNorm = 0;
        for (int c = 0; c < classes; c++) {
            norms[c] = norm(centered.row(c));
            meanNorm += norms[c] / classes;
        }
        double var = 0;
        for (double x : norms) {
            var += (x - meanNorm) * (x - meanNorm) / classes;
        }
        double nc2Norm = Math.sqrt(var) / meanNorm;
        double angle = 0;
        for (int a = 0; a < classes; a++) {
            for (int b = 0; b < classes; b++) {
                if (a != b) {
                    double cos = dot(centered.row(a), centered.row(b)) / (norms[a] * norms[b]);
                    angle += Math.abs(cos + 1.0 / (classes - 1));
                }
            }
        }
        double nc2Angle = angle / (classes * (classes - 1.0));

        double nc3 = Double.NaN;
        double nc4 = Double.NaN;
        if (classifier != null) {
            if (classifier.rows() != classes || classifier.cols() != d) {
                throw new IllegalArgumentException("classifier must be [" + classes + ", " + d + "]; given " + classifier.shape());
            }
            nc3 = classifier.scale(1 / classifier.norm()).minus(centered.scale(1 / centered.norm())).norm();
            int mismatch = 0;
            for (int i = 0; i < n; i++) {
                double[] h = features.row(i);
                int best = 0;
                int nearest = 0;
                double bestScore = Double.NEGATIVE_INFINITY;
                double bestDist = Double.POSITIVE_INFINITY;
                for (int c = 0; c < classes; c++) {
                    double score = dot(classifier.row(c), h) + (bias == null ? 0 : bias[c]);
                    if (score > bestScore) {
                        bestScore = score;
                        best = c;
                    }
                    double dist = 0;
                    for (int j = 0; j < d; j++) {
                        double t = h[j] - means[c * d + j];
                        dist += t * t;
                    }
                    if (dist < bestDist) {
                        bestDist = dist;
                        nearest = c;
                    }
                }
                if (best != nearest) {
                    mismatch++;
                }
            }
            nc4 = mismatch / (double) n;
        }
        return new Result(nc1, nc2Norm, nc2Angle, nc3, nc4);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }
}
