package carnot.science.train;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Loss;
import carnot.engine.Model;
import carnot.engine.ParamVector;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.science.TinyMlp;

import carnot.science.optim.Optimizer;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.cuda.CudaBackend;
import carnot.kernels.cuda.Transfers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A training step on the CUDA backend (host emulation) moves O(1) scalars between host and device: the traffic of
 * the steps between two step counts is counted by the backend's launcher, and it is the same for a model 4x
 * wider (so it does not grow with P) and, whatever the number of chunks, three scalars: the loss, ‖g‖ and ‖w‖.
 * Observables are what may download more, only on their steps (the CLI test runs sharpness on this backend). The
 * same run on the CPU backend gives the same losses to 1e-12 (f64).
 */
class TrainTransfersTest {
    private static CudaBackend emu;
    private static CpuBackend cpu;

    @BeforeAll
    static void open() {
        emu = CudaBackend.emulated();
        cpu = new CpuBackend(1);
    }

    @AfterAll
    static void close() {
        emu.close();
        cpu.close();
    }

    /** Per-step traffic (between the records of steps 1 … 8, all equal) and the losses of a 9-step run. */
    private record Measured(Transfers perStep, List<Double> losses) {
    }

    private static Measured train(carnot.kernels.Backend be, Optimizer.Kind kind, int hidden, int chunks) {
        try (Scope _ = Scope.open()) {
            int n = 48;
            Model m = new TinyMlp(be, DType.F64, 5, hidden, 3, 7);
            DataSet d = new ArrayDataSet(Tensor.randn(be, DType.F64, 11, 0, 1, n, 5), Tensor.randn(be, DType.F64, 11, 1 << 20, 1, n, 3));
            ModelObjective obj = new ModelObjective(m, Loss.MSE, d, null, n / chunks, 1e-6, 20);
            TrainConfig cfg = TrainConfig.gd(0.05, 9).withOptimizer(kind, 1);
            List<Observable> obs = List.of(); // observables download what they log, on their steps only
            List<Double> losses = new ArrayList<>();
            List<Transfers> at = new ArrayList<>();
            Trainer.Result r = new Trainer(obj, cfg, obs, null, (Map<String, Object> rec) -> {
                losses.add((Double) rec.get("loss"));
                if (be instanceof CudaBackend c) {
                    at.add(c.transfers());
                }
            }).run(obj.initial(), null, null);
            assertEquals(Trainer.Status.COMPLETED, r.status(), r.message());
            if (at.isEmpty()) {
                return new Measured(null, losses);
            }
            Transfers step = at.get(2).minus(at.get(1));
            for (int k = 2; k < 8; k++) {
                assertEquals(step, at.get(k + 1).minus(at.get(k)), "step " + (k + 1) + " moves what step 2 moved");
            }
            return new Measured(step, losses);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Optimizer.Kind.class, names = {"GD", "MOMENTUM", "ADAM"})
    void aStepMovesThreeScalarsIndependentOfTheModelSizeAndMatchesTheCpu(Optimizer.Kind kind) {
        for (int chunks : kind == Optimizer.Kind.GD ? new int[] {1, 3} : new int[] {3}) {
            Measured small = train(emu, kind, 8, chunks);
            Transfers wide = train(emu, kind, 32, chunks).perStep();
            assertEquals(small.perStep(), wide, "per-step traffic must not depend on P (" + chunks + " chunks)");
            // downloads: the loss (summed over the chunks on the device), ‖g‖ and ‖w‖, 8 bytes each; no uploads
            assertEquals(new Transfers(0, 0, 3, 24, 0), small.perStep(), kind + ", " + chunks + " chunks");
            if (chunks == 3) {
                List<Double> a = small.losses();
                List<Double> b = train(cpu, kind, 8, chunks).losses();
                assertEquals(10, a.size());
                for (int i = 0; i < a.size(); i++) {
                    assertEquals(b.get(i), a.get(i), 1e-12 * Math.abs(b.get(i)), kind + " step " + i);
                }
                assertTrue(a.getLast() < a.getFirst(), kind + " decreases the loss: " + a);
            }
        }
    }
}
