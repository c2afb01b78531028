package carnot.science.train;

import carnot.engine.ParamVector;
import carnot.engine.Tensor;
import carnot.science.observe.Matrix;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.kernels.RefBackend;
import java.util.List;
import java.util.Random;

/**
 * Test objective: L(w) = (1/|S|) Σ_{i∈S} ½ (x_i·w − y_i)² for a seeded random design X (N x d) with column scales,
 * so the full-batch Hessian XᵀX/N is known exactly; its eigenpairs come from a dense eigendecomposition.
 * Parameters: "a" = w[0..d/2), "b" = the rest; vectors are f64 on the reference backend, the arithmetic is on the
 * host.
 */
class LeastSquares implements Objective {
    static final Backend BE = new RefBackend();
    final int n;
    final int d;
    final double[] x;
    final double[] y;
    int gradients;

    LeastSquares(int n, int d, long seed) {
        this.n = n;
        this.d = d;
        Random r = new Random(seed);
        x = new double[n * d];
        y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = r.nextGaussian() * (1 + j);
            }
            y[i] = r.nextGaussian();
        }
    }

    @Override
    public List<String> names() {
        return List.of("a", "b");
    }

    @Override
    public List<int[]> shapes() {
        return List.of(new int[] {d / 2}, new int[] {d - d / 2});
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public Backend backend() {
        return BE;
    }

    @Override
    public DType dtype() {
        return DType.F64;
    }

    /** Host values as a vector of this problem's layout. */
    ParamVector vector(double... w) {
        return ParamVector.fromHost(BE, DType.F64, w, shapes());
    }

    @Override
    public double lossAndGradient(ParamVector w, int[] samples, ParamVector grad) {
        double[] g = new double[d];
        double l = lossAndGradient(w.toDoubles(), samples, g);
        try (ParamVector h = vector(g)) {
            grad.set(h);
        }
        return l;
    }

    double lossAndGradient(double[] w, int[] samples, double[] grad) {
        gradients++;
        java.util.Arrays.fill(grad, 0);
        int m = samples == null ? n : samples.length;
        double loss = 0;
        for (int k = 0; k < m; k++) {
            int i = samples == null ? k : samples[k];
            double r = -y[i];
            for (int j = 0; j < d; j++) {
                r += x[i * d + j] * w[j];
            }
            loss += 0.5 * r * r / m;
            for (int j = 0; j < d; j++) {
                grad[j] += r * x[i * d + j] / m;
            }
        }
        return loss;
    }

    Matrix hessian() {
        Matrix xm = new Matrix(n, d, x);
        return xm.transpose().times(xm).scale(1.0 / n);
    }

    double lambdaMax() {
        return hessian().symmetricEigen().values()[0];
    }

    @Override
    public Eigen topEigen(ParamVector w, int k, Tensor warm) {
        Matrix.Eigen e = hessian().symmetricEigen();
        double[] vals = new double[k];
        double[] vecs = new double[k * d];
        for (int i = 0; i < k; i++) {
            vals[i] = e.values()[i];
            for (int j = 0; j < d; j++) {
                vecs[i * d + j] = e.vectors().get(j, i);
            }
        }
        return new Eigen(vals, Tensor.of(BE, DType.F64, vecs, k, d), 0);
    }
}
