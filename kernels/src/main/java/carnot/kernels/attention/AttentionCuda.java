package carnot.kernels.attention;

import carnot.kernels.Buffer;
import carnot.kernels.DType;
import carnot.kernels.cuda.CudaDevice;
import carnot.kernels.cuda.Dim3;
import carnot.kernels.cuda.KernelArgs;

import static carnot.kernels.cuda.CudaDevice.addr;
import static carnot.kernels.cuda.CudaDevice.kernel;

/**
 * The CUDA variant of the attention family ({@code src/main/cuda/attention.cu}). Blocks of 128 threads own 16 rows
 * (queries, or keys for dk/dv) of one (batch, head), grid {@code (batch * heads, ceil(rows / 16))}; each launch
 * covers 128 output columns, so a head dimension above 128 takes {@code ceil(dh / 128)} launches per kernel (the
 * scores are recomputed for each). Forward: {@code attention_fwd_T}. Backward: {@code attention_bwd_dot_T}
 * (D = rowsum(dOut * out) into f64 scratch), then {@code attention_bwd_dq_T} and {@code attention_bwd_dkdv_T}
 * (no atomics). Jvp: {@code attention_jvp_T}, grid as the forward, one pass over the key tiles. Backward jvp: per
 * column pass {@code attention_bwd_jvp_dq_T} (row sums D, a, D' into f64 scratch, then dq') and
 * {@code attention_bwd_jvp_dkdv_T}, every direction in one launch (grid x = directions * batch * heads). Arguments are validated by the caller.
 */
public final class AttentionCuda {
    private static final String MODULE = "attention";
    /** Rows per block and output columns per launch (the kernel's BR and 32 * NCOL). */
    private static final int ROWS = 16;
    private static final int COLS = 128;
    private static final int THREADS = 128;

    private AttentionCuda() {
    }

    private static Dim3 grid(int pairs, int rows) {
        return new Dim3(pairs, (rows + ROWS - 1) / ROWS, 1);
    }

    /** Forward: out and lse. */
    public static void forward(CudaDevice dev, DType t, Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse,
                               int batch, int heads, int tq, int tk, int dh, double scale) {
        int pairs = batch * heads;
        if (pairs == 0 || tq == 0) {
            return;
        }
        for (int c0 = 0; c0 < dh; c0 += COLS) {
            dev.launch(MODULE, kernel("attention_fwd", t), grid(pairs, tq), Dim3.of(THREADS),
                    new KernelArgs().ptr(addr(q, 0)).ptr(addr(k, 0)).ptr(addr(v, 0)).ptr(addr(out, 0))
                            .ptr(addr(lse, 0)).i32(heads).i32(tq).i32(tk).i32(dh).f64(scale).i32(c0));
        }
    }

    /** Backward: dq, dk, dv (dk and dv are written in full, zeros when tq = 0). */
    public static void backward(CudaDevice dev, DType t, Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse,
                                Buffer dOut, Buffer dq, Buffer dk, Buffer dv, int batch, int heads, int tq, int tk,
                                int dh, double scale) {
        int pairs = batch * heads;
        if (pairs == 0 || tk == 0) {
            return;
        }
        long rows = (long) pairs * tq;
        long d = dev.scratch(Math.max(8, rows * 8));
        if (rows > 0) {
            int blocks = (int) Math.min((rows + 7) / 8, CudaDevice.MAX_BLOCKS);
            dev.launch(MODULE, kernel("attention_bwd_dot", t), Dim3.of(blocks), Dim3.of(256),
                    new KernelArgs().ptr(addr(out, 0)).ptr(addr(dOut, 0)).ptr(d).i32(heads).i32(tq).i32(dh).i64(rows));
        }
        for (int c0 = 0; c0 < dh; c0 += COLS) {
            if (tq > 0) {
                dev.launch(MODULE, kernel("attention_bwd_dq", t), grid(pairs, tq), Dim3.of(THREADS),
                        new KernelArgs().ptr(addr(q, 0)).ptr(addr(k, 0)).ptr(addr(v, 0)).ptr(addr(lse, 0)).ptr(d)
                                .ptr(addr(dOut, 0)).ptr(addr(dq, 0)).i32(heads).i32(tq).i32(tk).i32(dh).f64(scale)
                                .i32(c0));
            }
            dev.launch(MODULE, kernel("attention_bwd_dkdv", t), grid(pairs, tk), Dim3.of(THREADS),
                    new KernelArgs().ptr(addr(q, 0)).ptr(addr(k, 0)).ptr(addr(v, 0)).ptr(addr(lse, 0)).ptr(d)
                            .ptr(addr(dOut, 0)).ptr(addr(dk, 0)).ptr(addr(dv, 0)).i32(heads).i32(tq).i32(tk).i32(dh)
                            .f64(scale).i32(c0));
        }
    }

    /** Forward-mode tangent outDot from the forward's out and lse and the tangents qDot, kDot, vDot. */
    public static void jvp(CudaDevice dev, DType t, Buffer q, Buffer k, Buffer v, Buffer out, Buffer lse, Buffer qDot,
                           Buffer kDot, Buffer vDot, Buffer outDot, int batch, int heads, int tq, int tk, int dh,
                           double scale) {
        int pairs = batch * heads;
        if (pairs == 0 || tq == 0) {
            return;
        }
        for (int c0 = 0; c0 < dh; c0 += COLS) {
            dev.launch(MODULE, kernel("attention_jvp", t), grid(pairs, tq), Dim3.of(THREADS),
                    new KernelArgs().ptr(addr(q, 0)).ptr(addr(k, 0)).ptr(addr(v, 0)).ptr(addr(out, 0))
                            .ptr(addr(lse, 0)).ptr(addr(qDot, 0)).ptr(addr(kDot, 0)).ptr(addr(vDot, 0))
                            .ptr(addr(outDot, 0)).i32(heads).i32(tq).i32(tk).i32(dh).f64(scale).i32(c0));
        }
    }

    /**
     * Backward jvp for {@code directions} tangent directions (in grid x): dqDot, dkDot, dvDot of direction z at
     * {@code z outStride} (dk', dv' written in full, zeros when tq = 0).
     */
    public static void backwardJvp(CudaDevice dev, DType t, Buffer q, Buffer k, Buffer v, Buffer lse, Buffer dOut,
                                   Buffer qDot, Buffer kDot, Buffer vDot, Buffer dOutDot, Buffer dqDot, Buffer dkDot,
                                   Buffer dvDot, int directions, long outStride, int batch, int heads, int tq, int tk,
                                   int dh, double scale) {
        int pairs = batch * heads;
        if (pairs == 0 || tk == 0 || directions == 0) {
            return;
        }
        long rows = (long) pairs * tq;
        long nq = rows * dh;
        long nk = (long) pairs * tk * dh;
        int units = Math.multiplyExact(directions, pairs);
        long st = dev.scratch(Math.max(8, 3 * 8 * rows * directions));
        for (int c0 = 0; c0 < dh; c0 += COLS) {
            if (tq > 0) {
                dev.launch(MODULE, kernel("attention_bwd_jvp_dq", t), grid(units, tq), Dim3.of(THREADS),
                        new KernelArgs().ptr(addr(q, 0)).ptr(addr(k, 0)).ptr(addr(v, 0)).ptr(addr(lse, 0)).ptr(st)
                                .ptr(addr(dOut, 0)).ptr(addr(qDot, 0)).ptr(addr(kDot, 0)).ptr(addr(vDot, 0))
                                .ptr(addr(dOutDot, 0)).ptr(addr(dqDot, 0)).i32(pairs).i32(heads).i32(tq).i32(tk)
                                .i32(dh).f64(scale).i32(c0).i64(nq).i64(nk).i64(outStride));
            }
            dev.launch(MODULE, kernel("attention_bwd_jvp_dkdv", t), grid(units, tk), Dim3.of(THREADS),
                    new KernelArgs().ptr(addr(q, 0)).ptr(addr(k, 0)).ptr(addr(v, 0)).ptr(addr(lse, 0)).ptr(st)
                            .ptr(addr(dOut, 0)).ptr(addr(qDot, 0)).ptr(addr(kDot, 0)).ptr(addr(vDot, 0))
                            .ptr(addr(dOutDot, 0)).ptr(addr(dkDot, 0)).ptr(addr(dvDot, 0)).i32(pairs).i32(heads)
                            .i32(tq).i32(tk).i32(dh).f64(scale).i32(c0).i64(nq).i64(nk).i64(outStride));
        }
    }
}
