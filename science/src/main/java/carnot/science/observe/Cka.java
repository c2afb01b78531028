package carnot.science.observe;

/**
 * Linear centered kernel alignment (Kornblith et al. 2019) between two representations of the same N inputs:
 * {@code CKA(X, Y) = ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F)} with X (N x p) and Y (N x q) column-centered. It lies in
 * [0, 1], is invariant to orthogonal transforms and isotropic scaling of either side.
 */
public final class Cka {
    private Cka() {
    }

    /** Linear CKA of X (N x p) and Y (N x q). */
    public static double linear(Matrix x, Matrix y) {
        if (x.rows() != y.rows()) {
            throw new IllegalArgumentException("CKA needs the same number of rows (inputs); given " + x.shape()
                    + " and " + y.shape());
        }
        Matrix xc = x.centerColumns();
        Matrix yc = y.centerColumns();
        double cross = yc.transpose().times(xc).norm();
        double xx = xc.transpose().times(xc).norm();
        double yy = yc.transpose().times(yc).norm();
        return cross * cross / (xx * yy);
    }
}
