package com.example;

import carnot.engine.ArrayDataSet;
import carnot.engine.Autodiff;
import carnot.engine.DataSet;
import carnot.engine.Grad;
import carnot.engine.Hessian;
import carnot.engine.Linearized;
import carnot.engine.Loss;
import carnot.engine.ParamVector;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.science.spectral.Lanczos;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.models.Activation;
import carnot.models.Mlp;
import java.util.Arrays;
import java.util.List;

/** An application embedding Carnot: the body of main is the README's library example, verbatim. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        try (Backend be = new CpuBackend(2); Scope scope = Scope.open()) {
            var model = new Mlp(be, DType.F64, new int[]{10, 64, 3}, Activation.TANH, true, 42);
            Tensor x = Tensor.randn(be, DType.F64, 1, 0, 1.0, 1000, 10);          // [N, 10]
            Tensor y = Tensor.randn(be, DType.F64, 2, 0, 1.0, 1000, 3);           // [N, 3]
            DataSet data = new ArrayDataSet(x, y);

            Grad g = Grad.of(model, Loss.MSE, data, 250);                         // exact full batch, 4 chunks
            Hessian h = Hessian.of(model, Loss.MSE, data, 250);
            ParamVector v = ParamVector.randn(model, 7);
            ParamVector hv = h.apply(v);                                          // one forward-over-reverse pass
            Tensor hvs = h.applyFlatBatch(Tensor.randn(be, DType.F64, 8, 0, 1.0, 16, h.dim())); // 16 at once: [16, P]
            System.out.printf("loss %.4f  |grad| %.4f  v.Hv %.4f  HV %s%n", g.loss(), g.grad().norm(), v.dot(hv),
                    Arrays.toString(hvs.shape()));
            try (Linearized lin = h.linearize()) {                                // primal pass once, then
                double top = Lanczos.topK(lin, 1, 1e-8, 200, null).values()[0];  // tangent-only products
                System.out.printf("lambda_max %.6f%n", top);
            }

            // the same machinery on any function of tensors
            Tensor w = Tensor.randn(be, DType.F64, 3, 0, 1.0, 5).variable();
            List<Tensor> df = Autodiff.grad(w.tanh().square().sum(), List.of(w));
            System.out.println("d/dw sum tanh(w)^2 = " + Arrays.toString(df.getFirst().toDoubles()));
        }
    }
}
