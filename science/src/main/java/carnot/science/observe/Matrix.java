package carnot.science.observe;

import carnot.kernels.DType;
import carnot.kernels.eigen.EigenRef;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A small dense row-major matrix of doubles on the host, for observables computed on extracted weights and
 * features (sizes up to a few thousand per side). Immutable by convention: operations return new matrices.
 *
 * @param rows number of rows
 * @param cols number of columns
 * @param data row-major values, {@code data[i * cols + j]}, length {@code rows * cols}
 */
public record Matrix(int rows, int cols, double[] data) {

    public Matrix {
        if (rows < 0 || cols < 0 || data == null || data.length != (long) rows * cols) {
            throw new IllegalArgumentException("matrix needs rows, cols >= 0 and rows*cols values; given "
                    + rows + "x" + cols + " with " + (data == null ? "null" : data.length + " values"));
        }
    }

    /** The values of a rank-2 tensor [rows, cols] (copied to the host). */
    public static Matrix of(carnot.engine.Tensor t) {
        if (t.rank() != 2) {
            throw new IllegalArgumentException("a Matrix needs a rank-2 tensor; given shape " + java.util.Arrays.toString(t.shape()));
        }
        return new Matrix(t.dim(0), t.dim(1), t.toDoubles());
    }

    /** A matrix from rows of equal length. */
    public static Matrix of(double[][] rows) {
        int r = rows.length;
        int c = r == 0 ? 0 : rows[0].length;
        double[] d = new double[r * c];
        for (int i = 0; i < r; i++) {
            if (rows[i].length != c) {
                throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " values; required " + c);
            }
            System.arraycopy(rows[i], 0, d, i * c, c);
        }
        return new Matrix(r, c, d);
    }

    /** The n x n identity. */
    public static Matrix identity(int n) {
        double[] d = new double[n * n];
        for (int i = 0; i < n; i++) {
            d[i * n + i] = 1;
        }
        return new Matrix(n, n, d);
    }

    /** A diagonal matrix with the given diagonal. */
    public static Matrix diag(double... v) {
        int n = v.length;
        double[] d = new double[n * n];
        for (int i = 0; i < n; i++) {
            d[i * n + i] = v[i];
        }
        return new Matrix(n, n, d);
    }

    public double get(int i, int j) {
        return data[i * cols + j];
    }

    /** Row i as a new array. */
    public double[] row(int i) {
        return Arrays.copyOfRange(data, i * cols, (i + 1) * cols);
    }

    /** {@code this · b}: (rows x cols)·(cols x b.cols). */
    public Matrix times(Matrix b) {
        if (cols != b.rows) {
            throw new IllegalArgumentException("matrix product needs inner sizes equal; given " + shape() + " · " + b.shape());
        }
        double[] out = new double[rows * b.cols];
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < cols; k++) {
                double a = data[i * cols + k];
                if (a == 0) {
                    continue;
                }
                int bo = k * b.cols;
                int oo = i * b.cols;
                for (int j = 0; j < b.cols; j++) {
                    out[oo + j] += a * b.data[bo + j];
                }
            }
        }
        return new Matrix(rows, b.cols, out);
    }

    public Matrix transpose() {
        double[] out = new double[data.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[j * rows + i] = data[i * cols + j];
            }
        }
        return new Matrix(cols, rows, out);
    }

    /** {@code this - b}, same shape. */
    public Matrix minus(Matrix b) {
        requireSameShape(b, "minus");
        double[] out = data.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] -= b.data[i];
        }
        return new Matrix(rows, cols, out);
    }

    /** {@code this + thisᵀ} (square matrices): a symmetric matrix. */
    public Matrix plusTranspose() {
        Matrix t = transpose();
        double[] out = data.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += t.data[i];
        }
        return new Matrix(rows, cols, out);
    }

    /** {@code s * this}. */
    public Matrix scale(double s) {
        double[] out = data.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= s;
        }
        return new Matrix(rows, cols, out);
    }

    /** Frobenius inner product {@code Σ a_ij b_ij}. */
    public double dot(Matrix b) {
        requireSameShape(b, "dot");
        double s = 0;
        for (int i = 0; i < data.length; i++) {
            s += data[i] * b.data[i];
        }
        return s;
    }

    /** Frobenius norm. */
    public double norm() {
        return Math.sqrt(dot(this));
    }

    public double trace() {
        if (rows != cols) {
            throw new IllegalArgumentException("trace needs a square matrix; given " + shape());
        }
        double s = 0;
        for (int i = 0; i < rows; i++) {
            s += data[i * cols + i];
        }
        return s;
    }

    /** Column means, length cols. */
    public double[] columnMeans() {
        double[] m = new double[cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m[j] += data[i * cols + j];
            }
        }
        for (int j = 0; j < cols; j++) {
            m[j] /= Math.max(rows, 1);
        }
        return m;
    }

    /** Each column minus its mean (rows are samples). */
    public Matrix centerColumns() {
        double[] m = columnMeans();
        double[] out = data.clone();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] -= m[j];
            }
        }
        return new Matrix(rows, cols, out);
    }

    /**
     * Eigen-decomposition of the symmetric part (A + Aᵀ)/2 of this matrix by the kernels' reference Jacobi
     * solver ({@link EigenRef}, exact to rounding, O(n³) per sweep).
     *
     * @return eigenvalues descending, and the eigenvectors as the matching COLUMNS of an n x n matrix
     */
    public Eigen symmetricEigen() {
        if (rows != cols) {
            throw new IllegalArgumentException("symmetric eigen needs a square matrix; given " + shape());
        }
        int n = rows;
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i * n + j] = 0.5 * (data[i * n + j] + data[j * n + i]);
            }
        }
        double[] ascending = new double[n];
        EigenRef.symmetricEigen(DType.F64, MemorySegment.ofArray(a), MemorySegment.ofArray(ascending), n, true);
        double[] values = new double[n];
        double[] vectors = new double[n * n];
        for (int k = 0; k < n; k++) {
            int c = n - 1 - k;
            values[k] = ascending[c];
            for (int i = 0; i < n; i++) {
                vectors[i * n + k] = a[i * n + c];
            }
        }
        return new Eigen(values, new Matrix(n, n, vectors));
    }

    /** Singular values, descending, from the eigenvalues of the smaller Gram matrix (min(rows, cols) values). */
    public double[] singularValues() {
        Matrix g = rows <= cols ? times(transpose()) : transpose().times(this);
        double[] e = g.symmetricEigen().values();
        double[] s = new double[e.length];
        for (int i = 0; i < e.length; i++) {
            s[i] = Math.sqrt(Math.max(e[i], 0));
        }
        return s;
    }

    /**
     * Moore-Penrose pseudo-inverse of this symmetric matrix: eigenvalues below {@code relTol · max|λ|} are dropped.
     */
    public Matrix symmetricPseudoInverse(double relTol) {
        Eigen e = symmetricEigen();
        int n = rows;
        double max = 0;
        for (double x : e.values()) {
            max = Math.max(max, Math.abs(x));
        }
        double[] out = new double[n * n];
        for (int k = 0; k < n; k++) {
            double l = e.values()[k];
            if (Math.abs(l) <= relTol * max || l == 0) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                double vi = e.vectors().get(i, k) / l;
                for (int j = 0; j < n; j++) {
                    out[i * n + j] += vi * e.vectors().get(j, k);
                }
            }
        }
        return new Matrix(n, n, out);
    }

    public String shape() {
        return "[" + rows + ", " + cols + "]";
    }

    private void requireSameShape(Matrix b, String op) {
        if (rows != b.rows || cols != b.cols) {
            throw new IllegalArgumentException(op + " needs equal shapes; given " + shape() + " and " + b.shape());
        }
    }

    /** Eigenvalues (descending) with eigenvectors as columns. */
    public record Eigen(double[] values, Matrix vectors) {
    }
}
