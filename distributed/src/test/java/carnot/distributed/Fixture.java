package carnot.distributed;

import carnot.engine.ArrayDataSet;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.Tensor;
import carnot.science.train.ModelObjective;
import carnot.kernels.Backend;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.models.Activation;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The shared test problem: a tanh MLP 12-16-16-3 (f64, seed 5) with MSE on N = 96 Gaussian samples, written as
 * 3 shards of 32 rows, and the single-process model and data set it must agree with.
 */
final class Fixture {
    static final int N = 96;
    static final int ROWS = 32;
    static final Backend BE = new CpuBackend();

    final ModelSpec spec;
    final Model model;
    final ArrayDataSet data;
    final Shards shards;
    final double[] w;

    Fixture(Path dir, ModelSpec spec) {
        this.spec = spec;
        this.model = spec.build(BE);
        Tensor x = Tensor.randn(BE, DType.F64, 11, 0, 1, N, 12);
        Tensor y = Tensor.randn(BE, DType.F64, 12, 0, 1, N, 3);
        this.data = new ArrayDataSet(x, y);
        this.shards = Shards.write(data, dir, ROWS);
        this.w = ModelObjective.flatten(model).toDoubles();
    }

    static ModelSpec mlp() {
        return new ModelSpec.MlpSpec("cpu", DType.F64, new int[]{12, 16, 16, 3}, Activation.TANH, true, 5, null);
    }

    static final Loss LOSS = Loss.MSE;

    static JavaSparkContext context() {
        return Spark.context("local[2]", "carnot-test", Map.of());
    }

    /** {@link #w} as an f64 parameter vector on {@link #BE} (laid out as the model's parameters). */
    carnot.engine.ParamVector vector() {
        return carnot.engine.ParamVector.fromHost(BE, DType.F64, w, carnot.engine.ParamVector.shapes(model));
    }
}
