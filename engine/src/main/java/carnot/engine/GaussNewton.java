package carnot.engine;

/**
 * The generalized Gauss-Newton matrix {@code G = J^T H_loss J} of the full-batch loss (J: Jacobian of the network
 * outputs with respect to the parameters, H_loss: Hessian of the loss with respect to the outputs), as the same
 * kind of operator as {@link Hessian}. One pass: the directions' output tangents {@code J V} are mapped by
 * {@code H_loss} (forward-over-reverse on the loss alone), then pulled back by a backward pass seeded with a zero
 * cotangent whose tangent is {@code H_loss J V} (giving exactly {@code J^T H_loss J V}).
 */
public final class GaussNewton {
    private GaussNewton() {
    }

    /** The Gauss-Newton operator over all of {@code data}, chunks of {@code chunk} samples. */
    public static Hessian of(Model model, Loss loss, DataSet data, int chunk) {
        return new Hessian(model, loss, data, chunk, FullBatch.Product.GAUSS_NEWTON, Integer.MAX_VALUE);
    }

    /** The Gauss-Newton operator over all of {@code data} in one chunk. */
    public static Hessian of(Model model, Loss loss, DataSet data) {
        return of(model, loss, data, data.size());
    }
}
