package carnot.engine;

/**
 * The exact full-batch loss and gradient {@code grad L(w)} of a model on a data set. From {@link #of} the loss stays
 * on the backend (an F64 scalar in the caller's scope) until {@link #loss()} is first called, so computing a
 * gradient reads nothing back from a device backend.
 */
public final class Grad {
    private final ParamVector grad;
    private Tensor lossOnBackend;
    private double loss;

    /**
     * @param loss the loss value (sum over the data set divided by its normaliser)
     * @param grad the gradient, one part per parameter
     */
    public Grad(double loss, ParamVector grad) {
        this.loss = loss;
        this.grad = grad;
    }

    private Grad(Tensor loss, ParamVector grad) {
        this.lossOnBackend = loss;
        this.grad = grad;
    }

    /** Loss and gradient over all of {@code data}, accumulated over chunks of {@code chunk} samples (memory knob only). */
    public static Grad of(Model model, Loss loss, DataSet data, int chunk) {
        var p = FullBatch.run(model, loss, data, chunk, null, FullBatch.Product.HESSIAN, true);
        return new Grad(p.loss(), new ParamVector(p.grad()));
    }

    /**
     * The loss value (sum over the data set divided by its normaliser). The first call after {@link #of} reads it
     * from the backend (one 8-byte download on a device backend; the scope it was computed in must still be open).
     */
    public double loss() {
        if (lossOnBackend != null) {
            loss = lossOnBackend.item();
            lossOnBackend = null;
        }
        return loss;
    }

    /** The gradient, one part per parameter. */
    public ParamVector grad() {
        return grad;
    }

    /** Loss and gradient in one chunk. */
    public static Grad of(Model model, Loss loss, DataSet data) {
        return of(model, loss, data, data.size());
    }

    /** The full-batch loss only (forward passes, no graph; chunk losses summed in f64 on the backend, one download). */
    public static double loss(Model model, Loss loss, DataSet data, int chunk) {
        double norm = loss.count(data);
        Tensor[] total = {null};
        data.chunks(chunk, (from, to, s) -> {
            Tensor l = loss.apply(model.forward(data.x(from, to)), data.y(from, to), norm).to(carnot.kernels.DType.F64);
            total[0] = FullBatch.accumulate(s, total[0], l);
            return true;
        });
        return total[0].item();
    }
}
