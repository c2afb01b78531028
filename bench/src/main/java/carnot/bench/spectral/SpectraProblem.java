package carnot.bench.spectral;

import carnot.engine.ArrayDataSet;
import carnot.engine.Hessian;
import carnot.engine.Loss;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;

/** The benchmark problems of issue 5: a seeded tanh MLP with Gaussian inputs and targets, MSE, one chunk. */
final class SpectraProblem {
    final Mlp model;
    final ArrayDataSet data;
    final Hessian hessian;

    SpectraProblem(Backend be, DType dtype, int[] widths, int n) {
        model = new Mlp(be, dtype, widths, Activation.TANH, true, 1);
        data = new ArrayDataSet(Tensor.randn(be, dtype, 2, 0, 1, n, widths[0]),
                Tensor.randn(be, dtype, 3, 0, 1, n, widths[widths.length - 1]));
        hessian = Hessian.of(model, Loss.MSE, data, n);
    }
}
