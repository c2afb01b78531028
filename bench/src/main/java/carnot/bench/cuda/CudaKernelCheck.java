package carnot.bench.cuda;

import carnot.kernels.Backend;
import carnot.kernels.Binary;
import carnot.kernels.Broadcast;
import carnot.kernels.Buffer;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.HostData;
import carnot.kernels.Reduce;
import carnot.kernels.Unary;
import carnot.kernels.cuda.CudaBackend;
import carnot.kernels.cuda.CudaSupport;
import carnot.kernels.cuda.JCudaLauncher;
import carnot.kernels.gemm.GemmCuda;
import carnot.kernels.gemm.GemmPrecision;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Standalone GPU check of every CUDA kernel family at the benchmark sizes (MLP 784-512-512-512-10 with N = 5000,
 * elementwise 1M-64M): each case runs on the CPU backend and on the CUDA backend from the same Philox inputs,
 * compares the outputs (max error relative to the largest CPU value), then times the CUDA side with CUDA events
 * (mean over repetitions after warm-up) and prints achieved GB/s, GFLOP/s and the H100 roofline time from
 * kernels/CUDA.md. Without a GPU it prints why and exits 0; {@code --emu} runs the same cases at small sizes on
 * the host emulation (checks the harness itself; times are host times, not GPU estimates).
 *
 * <p>Usage: {@code java ... carnot.bench.cuda.CudaKernelCheck [--emu] [--reps N]}
 */
public final class CudaKernelCheck {
    private static final double HBM_BYTES_PER_S = 3.0e12;
    private static final double F32_FLOPS = 60e12;
    private static final double F64_FLOPS = 30e12;
    /**
     * Achievable tensor-core rates on an H100 SXM (about 80 % of the dense peaks: DMMA f64 67, TF32 495, BF16 989
     * TFLOP/s): the roofline of the f64 GEMMs (DMMA on sm_80+) and of the TF32/BF16 modes.
     */
    private static final double F64_TC_FLOPS = 55e12;
    private static final double TF32_FLOPS = 400e12;
    private static final double BF16_FLOPS = 800e12;
    /**
     * Sanity tolerances (max error relative to the largest CPU value) of the TF32/BF16 modes against the exact CPU
     * GEMM on the benchmark's normal inputs: operand rounding of 2^-11 / 2^-8 relative per factor, averaged over k
     * terms, stays an order of magnitude below these; the rigorous check is ConformanceGemmTest (rounded operands,
     * k-dependent bound).
     */
    private static final double TF32_TOL = 4e-3;
    private static final double BF16_TOL = 3e-2;

    private CudaKernelCheck() {
    }

    /** One kernel case: its traffic and work, and the op applied to buffers made on a given backend. */
    private record Case(String name, DType dt, double bytes, double flops, Op op) {
    }

    /** Allocates inputs on {@code be} (from Philox seeds, identical on every backend) and returns the run + output. */
    private interface Op {
        Run prepare(Backend be);
    }

    /** A prepared case: {@code run} queues the kernel(s); {@code out} is the buffer compared across backends. */
    private record Run(Runnable run, Buffer out, List<Buffer> owned) {
    }

    private static Buffer randn(Backend be, DType dt, long n, long seed, List<Buffer> owned) {
        Buffer b = be.alloc(dt, n);
        be.normal(b, n, seed, 0, 0, 1);
        owned.add(b);
        return b;
    }

    private static Buffer zeros(Backend be, DType dt, long n, List<Buffer> owned) {
        Buffer b = be.alloc(dt, n);
        owned.add(b);
        return b;
    }

    private static Case gemm(String name, DType dt, boolean ta, boolean tb, int m, int n, int k) {
        double bytes = (double) dt.bytes() * ((double) m * k + (double) k * n + (double) m * n);
        return new Case(name, dt, bytes, 2.0 * m * n * k, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer a = randn(be, dt, (long) m * k, 1, o);
            Buffer b = randn(be, dt, (long) k * n, 2, o);
            Buffer c = zeros(be, dt, (long) m * n, o);
            return new Run(() -> be.gemm(ta, tb, m, n, k, 1, a, 0, ta ? m : k, b, 0, tb ? k : n, 0, c, 0, n), c, o);
        });
    }

    private static Case unary(Unary op, DType dt, long n) {
        return new Case("unary " + op + " n=" + n, dt, 2.0 * n * dt.bytes(), 20.0 * n, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer x = randn(be, dt, n, 3, o);
            Buffer y = zeros(be, dt, n, o);
            return new Run(() -> be.unary(op, x, y, n), y, o);
        });
    }

    /**
     * Case sizes: {@code rows} samples (N), hidden width {@code w}, input width {@code in}, gather/scatter table rows
     * {@code tab}, eigen order {@code eig}, elementwise lengths {@code sizes}.
     */
    public record Sizes(int rows, int w, int in, int tab, int eig, long[] sizes) {
        /** The benchmark sizes (GPU): MLP 784-512-512-512-10 with N = 5000, elementwise 1M, 16M, 64M. */
        public static Sizes full() {
            return new Sizes(5000, 512, 784, 1000, 128, new long[] {1 << 20, 1 << 24, 1 << 26});
        }

        /** Small sizes for the host emulation (about half a minute for every case on 2 cores). */
        public static Sizes emulated() {
            return new Sizes(200, 512, 784, 1000, 128, new long[] {1 << 16});
        }

        /** Tiny sizes: every case in a few seconds on the emulation (tests). */
        public static Sizes quick() {
            return new Sizes(64, 64, 96, 100, 32, new long[] {1 << 12});
        }
    }

    private static List<Case> cases(Sizes s) {
        int rows = s.rows();
        int w = s.w();
        int in = s.in();
        int tab = s.tab();
        long[] sizes = s.sizes();
        DType f = DType.F32;
        List<Case> cs = new ArrayList<>();
        cs.add(gemm("gemm NN " + rows + "x" + w + "x" + in + " (layer 1 fwd)", f, false, false, rows, w, in));
        cs.add(gemm("gemm NN " + rows + "x" + w + "x" + w + " (hidden fwd)", f, false, false, rows, w, w));
        cs.add(gemm("gemm TN " + w + "x" + w + "x" + rows + " (weight grad)", f, true, false, w, w, rows));
        cs.add(gemm("gemm NT " + rows + "x" + w + "x" + w + " (input grad)", f, false, true, rows, w, w));
        cs.add(gemm("gemm NN " + rows + "x10x" + w + " (readout fwd)", f, false, false, rows, 10, w));
        cs.add(gemm("gemm NN f64 " + rows + "x" + w + "x" + w, DType.F64, false, false, rows, w, w));
        for (long n : sizes) {
            cs.add(unary(Unary.TANH, f, n));
            cs.add(unary(Unary.EXP, f, n));
            cs.add(new Case("binary ADD n=" + n, f, 12.0 * n, n, be -> {
                List<Buffer> o = new ArrayList<>();
                Buffer a = randn(be, f, n, 4, o);
                Buffer b = randn(be, f, n, 5, o);
                Buffer c = zeros(be, f, n, o);
                Broadcast bc = Broadcast.of(new int[] {(int) n}, new int[] {(int) n});
                return new Run(() -> be.binary(Binary.ADD, a, b, c, bc), c, o);
            }));
            cs.add(new Case("dot n=" + n, f, 8.0 * n, 2.0 * n, be -> {
                List<Buffer> o = new ArrayList<>();
                Buffer a = randn(be, f, n, 6, o);
                Buffer b = randn(be, f, n, 7, o);
                Buffer r = zeros(be, DType.F64, 1, o);
                return new Run(() -> HostData.write(r, 0, new double[] {be.dot(n, a, b)}), r, o);
            }));
            cs.add(new Case("normal (Philox) n=" + n, f, 4.0 * n, 60.0 * n, be -> {
                List<Buffer> o = new ArrayList<>();
                Buffer r = zeros(be, f, n, o);
                return new Run(() -> be.normal(r, n, 11, 0, 0, 1), r, o);
            }));
        }
        long act = (long) rows * w;
        cs.add(new Case("binary ADD bias " + rows + "x" + w + " + " + w, f, 8.0 * act, act, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer a = randn(be, f, act, 8, o);
            Buffer b = randn(be, f, w, 9, o);
            Buffer c = zeros(be, f, act, o);
            Broadcast bc = Broadcast.of(new int[] {rows, w}, new int[] {w});
            return new Run(() -> be.binary(Binary.ADD, a, b, c, bc), c, o);
        }));
        cs.add(new Case("reduce SUM over rows " + rows + "x" + w + " (bias grad)", f, 4.0 * act, act, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer x = randn(be, f, act, 10, o);
            Buffer r = zeros(be, f, w, o);
            return new Run(() -> be.reduce(Reduce.SUM, x, r, 1, rows, w), r, o);
        }));
        cs.add(new Case("log-softmax " + rows + "x10", f, 8.0 * rows * 10, 30.0 * rows * 10, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer x = randn(be, f, rows * 10L, 12, o);
            Buffer y = zeros(be, f, rows * 10L, o);
            return new Run(() -> be.softmax(x, y, rows, 10, true), y, o);
        }));
        cs.add(new Case("layerNorm fwd " + rows + "x" + w, f, 12.0 * act, 8.0 * act, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer x = randn(be, f, act, 13, o);
            Buffer y = zeros(be, f, act, o);
            Buffer mean = zeros(be, f, rows, o);
            Buffer rstd = zeros(be, f, rows, o);
            return new Run(() -> be.layerNorm(x, y, mean, rstd, rows, w, 1e-5), y, o);
        }));
        cs.add(new Case("gatherRows " + rows + " of " + tab + "x" + w, f, 8.0 * act, 0, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer table = randn(be, f, tab * (long) w, 14, o);
            int[] ids = new int[rows];
            for (int i = 0; i < rows; i++) {
                ids[i] = (int) ((i * 7919L) % tab);
            }
            Buffer idx = HostData.uploadInts(be, ids);
            o.add(idx);
            Buffer y = zeros(be, f, act, o);
            return new Run(() -> be.gatherRows(table, tab, w, idx, rows, y), y, o);
        }));
        cs.add(new Case("copyStrided transpose " + rows + "x" + w, f, 8.0 * act, 0, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer x = randn(be, f, act, 15, o);
            Buffer y = zeros(be, f, act, o);
            Broadcast t = new Broadcast(new int[] {w, rows}, new long[] {1, w}, 0, new long[2], 0);
            return new Run(() -> be.copyStrided(x, t, y, 0), y, o);
        }));
        cs.addAll(moreCases(s, sizes[0]));
        cs.addAll(fusedCases(s));
        return cs;
    }

    /** The remaining kernels (so that every kernel of every family is checked), at activation-sized shapes. */
    private static List<Case> moreCases(Sizes s, long n) {
        int rows = s.rows();
        int w = s.w();
        int tab = s.tab();
        int eig = s.eig();
        DType f = DType.F32;
        long act = (long) rows * w;
        List<Case> cs = new ArrayList<>();
        cs.add(new Case("fill n=" + n, f, 4.0 * n, 0, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer y = zeros(be, f, n, o);
            return new Run(() -> be.fill(y, 0, n, 0.5), y, o);
        }));
        cs.add(new Case("convert f32->f64 n=" + n, f, 12.0 * n, 0, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer x = randn(be, f, n, 20, o);
            Buffer y = zeros(be, DType.F64, n, o);
            return new Run(() -> be.convert(x, y, n), y, o);
        }));
        cs.add(new Case("affine n=" + n, f, 8.0 * n, 2.0 * n, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer x = randn(be, f, n, 21, o);
            Buffer y = zeros(be, f, n, o);
            return new Run(() -> be.affine(x, y, n, 1.5, -0.5), y, o);
        }));
        cs.add(new Case("where n=" + n, f, 16.0 * n, 0, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer m = randn(be, f, n, 22, o);
            be.unary(Unary.D_RELU, m, m, n);
            Buffer a = randn(be, f, n, 23, o);
            Buffer b = randn(be, f, n, 24, o);
            Buffer y = zeros(be, f, n, o);
            return new Run(() -> be.where(m, a, b, y, n), y, o);
        }));
        cs.add(new Case("axpy f64 n=" + n, DType.F64, 24.0 * n, 2.0 * n, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer x = randn(be, DType.F64, n, 25, o);
            Buffer y = randn(be, DType.F64, n, 26, o);
            return new Run(() -> be.axpy(n, 1e-3, x, y), y, o);
        }));
        for (Unary op : new Unary[] {Unary.GELU, Unary.D_GELU, Unary.SOFTPLUS, Unary.SIGMOID}) {
            cs.add(unary(op, f, act));
        }
        cs.add(gemm("gemm TN f64 " + w + "x" + w + "x" + rows + " (split-K when k >= 1024)", DType.F64, true, false, w, w, rows));
        cs.add(new Case("gemmBatched 64 x (64x64x64)", f, 3.0 * 64 * 64 * 64 * 4, 2.0 * 64 * 64 * 64 * 64, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer a = randn(be, f, 64L * 64 * 64, 27, o);
            Buffer b = randn(be, f, 64L * 64 * 64, 28, o);
            Buffer c = zeros(be, f, 64L * 64 * 64, o);
            return new Run(() -> be.gemmBatched(false, false, 64, 64, 64, 1, a, 0, 64, 4096, b, 0, 64, 4096, 0, c, 0,
                    64, 4096, 64), c, o);
        }));
        cs.add(new Case("reduce MAX per row " + rows + "x" + w, f, 4.0 * act, act, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer x = randn(be, f, act, 29, o);
            Buffer r = zeros(be, f, rows, o);
            return new Run(() -> be.reduce(Reduce.MAX, x, r, rows, w, 1), r, o);
        }));
        cs.add(new Case("reduce SUMSQ 2x" + rows + "x" + w + " (many outputs)", f, 8.0 * act, 2.0 * act, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer x = randn(be, f, 2 * act, 30, o);
            Buffer r = zeros(be, f, 2L * w * 16, o);
            return new Run(() -> be.reduce(Reduce.SUMSQ, x, r, 2L * 16, rows / 16, w), r, o);
        }));
        cs.add(new Case("softmax " + rows + "x" + w, f, 8.0 * act, 10.0 * act, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer x = randn(be, f, act, 31, o);
            Buffer y = zeros(be, f, act, o);
            return new Run(() -> be.softmax(x, y, rows, w, false), y, o);
        }));
        cs.add(new Case("softmaxCrossEntropy " + rows + "x" + w, f, 8.0 * act, 12.0 * act, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer z = randn(be, f, act, 36, o);
            Buffer q = zeros(be, f, act, o);
            be.softmax(randn(be, f, act, 37, o), q, rows, w, false);
            Buffer y = zeros(be, f, rows, o);
            return new Run(() -> be.softmaxCrossEntropy(z, q, y, rows, w), y, o);
        }));
        cs.add(new Case("layerNorm bwd " + rows + "x" + w, f, 12.0 * act, 10.0 * act, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer x = randn(be, f, act, 32, o);
            Buffer dy = randn(be, f, act, 33, o);
            Buffer y = zeros(be, f, act, o);
            Buffer mean = zeros(be, f, rows, o);
            Buffer rstd = zeros(be, f, rows, o);
            be.layerNorm(x, y, mean, rstd, rows, w, 1e-5);
            return new Run(() -> be.layerNormBackward(dy, x, mean, rstd, y, rows, w), y, o);
        }));
        cs.add(new Case("scatterAddRows " + rows + " into " + tab + "x" + w, f, 12.0 * act, act, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer src = randn(be, f, act, 34, o);
            int[] ids = new int[rows];
            for (int i = 0; i < rows; i++) {
                ids[i] = (int) ((i * 7919L) % tab);
            }
            Buffer idx = HostData.uploadInts(be, ids);
            o.add(idx);
            Buffer table = zeros(be, f, tab * (long) w, o);
            return new Run(() -> {
                be.fill(table, 0, tab * (long) w, 0);
                be.scatterAddRows(src, idx, rows, w, table, tab);
            }, table, o);
        }));
        cs.add(new Case("uniform (Philox) n=" + n, f, 4.0 * n, 30.0 * n, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer r = zeros(be, f, n, o);
            return new Run(() -> be.uniform(r, n, 12, 0, -1, 1), r, o);
        }));
        cs.add(new Case("symmetricEigen " + eig + " (host LAPACK)", DType.F64, 2.0 * eig * eig * 8, 10.0 * eig * eig * eig,
                be -> {
                    List<Buffer> o = new ArrayList<>();
                    Buffer g = randn(be, DType.F64, eig * (long) eig, 35, o);
                    Buffer a = zeros(be, DType.F64, eig * (long) eig, o);
                    Buffer vals = zeros(be, DType.F64, eig, o);
                    return new Run(() -> {
                        be.gemm(false, true, eig, eig, eig, 1, g, 0, eig, g, 0, eig, 0, a, 0, eig);
                        be.symmetricEigen(a, vals, eig, false);
                    }, vals, o);
                }));
        return cs;
    }

    /**
     * The fused kernels of the HVP path: the activation tangents (tanh, GELU, sigmoid) and GELU's product at
     * activation size, and causal attention forward, backward and the backward's tangent (1 and 4 directions in
     * one call) at the transformer benchmark's per-layer shape
     * (B = 32, H = 4, T = 64, dh = 32 on the GPU; B = 2 and 1 on the emulation).
     */
    private static List<Case> fusedCases(Sizes s) {
        int rows = s.rows();
        int w = s.w();
        DType f = DType.F32;
        long act = (long) rows * w;
        List<Case> cs = new ArrayList<>();
        cs.add(new Case("binary GELU_BACKWARD " + rows + "x" + w, f, 12.0 * act, 30.0 * act, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer g = randn(be, f, act, 40, o);
            Buffer x = randn(be, f, act, 41, o);
            Buffer y = zeros(be, f, act, o);
            Broadcast bc = Broadcast.of(new int[] {rows, w}, new int[] {rows, w});
            return new Run(() -> be.binary(Binary.GELU_BACKWARD, g, x, y, bc), y, o);
        }));
        for (String op : new String[] {"tanh", "gelu", "sigmoid"}) {
            cs.add(new Case(op + "BackwardTangent " + rows + "x" + w, f, 20.0 * act, op.equals("gelu") ? 60.0 * act
                    : 8.0 * act, be -> {
                List<Buffer> o = new ArrayList<>();
                Buffer tg = randn(be, f, act, 42, o);
                Buffer g = randn(be, f, act, 43, o);
                Buffer x = randn(be, f, act, 44, o);
                Buffer tx = randn(be, f, act, 45, o);
                Buffer y = zeros(be, f, act, o);
                if (!op.equals("gelu")) {
                    be.unary(op.equals("tanh") ? Unary.TANH : Unary.SIGMOID, x, x, act);
                }
                return new Run(() -> {
                    switch (op) {
                        case "tanh" -> be.tanhBackwardTangent(tg, g, x, tx, y, act);
                        case "gelu" -> be.geluBackwardTangent(tg, g, x, tx, y, act);
                        default -> be.sigmoidBackwardTangent(tg, g, x, tx, y, act);
                    }
                }, y, o);
            }));
        }
        int b = rows >= 5000 ? 32 : rows >= 200 ? 2 : 1;
        int h = 4;
        int t = 64;
        int dh = 32;
        long qn = (long) b * t * h * dh;
        double heads = (double) b * h;
        double scale = 1 / Math.sqrt(dh);
        cs.add(new Case("attention fwd B" + b + " H" + h + " T" + t + " dh" + dh, f, 16.0 * qn,
                2.0 * t * t * dh * heads, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer q = randn(be, f, qn, 46, o);
            Buffer k = randn(be, f, qn, 47, o);
            Buffer v = randn(be, f, qn, 48, o);
            Buffer out = zeros(be, f, qn, o);
            Buffer lse = zeros(be, f, (long) b * h * t, o);
            return new Run(() -> be.attention(q, k, v, out, lse, b, h, t, t, dh, scale), out, o);
        }));
        cs.add(new Case("attention bwd B" + b + " H" + h + " T" + t + " dh" + dh + " (dq compared)", f, 32.0 * qn,
                7.0 * t * t * dh * heads, be -> {
            List<Buffer> o = new ArrayList<>();
            Buffer q = randn(be, f, qn, 49, o);
            Buffer k = randn(be, f, qn, 50, o);
            Buffer v = randn(be, f, qn, 51, o);
            Buffer dOut = randn(be, f, qn, 52, o);
            Buffer out = zeros(be, f, qn, o);
            Buffer lse = zeros(be, f, (long) b * h * t, o);
            Buffer dq = zeros(be, f, qn, o);
            Buffer dk = zeros(be, f, qn, o);
            Buffer dv = zeros(be, f, qn, o);
            be.attention(q, k, v, out, lse, b, h, t, t, dh, scale);
            return new Run(() -> be.attentionBackward(q, k, v, out, lse, dOut, dq, dk, dv, b, h, t, t, dh, scale),
                    dq, o);
        }));
        for (int kb : new int[] {1, 4}) {
            cs.add(new Case("attention bwd jvp B" + b + " H" + h + " T" + t + " dh" + dh + " kb" + kb
                    + " (dq', dk', dv' compared)", f, (20.0 + 28.0 * kb) * qn, 24.0 * t * t * dh * heads * kb, be -> {
                List<Buffer> o = new ArrayList<>();
                Buffer q = randn(be, f, qn, 53, o);
                Buffer k = randn(be, f, qn, 54, o);
                Buffer v = randn(be, f, qn, 55, o);
                Buffer dOut = randn(be, f, qn, 56, o);
                Buffer qt = randn(be, f, kb * qn, 57, o);
                Buffer kt = randn(be, f, kb * qn, 58, o);
                Buffer vt = randn(be, f, kb * qn, 59, o);
                Buffer gt = randn(be, f, kb * qn, 60, o);
                Buffer out = zeros(be, f, qn, o);
                Buffer lse = zeros(be, f, (long) b * h * t, o);
                Buffer all = zeros(be, f, 3 * kb * qn, o);
                Buffer dk = all.slice(qn, (3L * kb - 1) * qn);
                Buffer dv = all.slice(2 * qn, (3L * kb - 2) * qn);
                o.add(0, dv); // slices close before the buffer they view
                o.add(0, dk);
                be.attention(q, k, v, out, lse, b, h, t, t, dh, scale);
                return new Run(() -> be.attentionBackwardJvp(q, k, v, lse, dOut, qt, kt, vt, gt, all, dk, dv, kb,
                        3 * qn, b, h, t, t, dh, scale), all, o);
            }));
        }
        return cs;
    }

    private static double maxRelError(Buffer want, Buffer got) {
        double[] w = HostData.toDoubles(want);
        double[] g = HostData.toDoubles(got);
        double scale = 1e-30;
        for (double v : w) {
            scale = Math.max(scale, Math.abs(v));
        }
        double err = 0;
        for (int i = 0; i < w.length; i++) {
            err = Math.max(err, Math.abs(w[i] - g[i]) / scale);
        }
        return err;
    }

    static double timeMillis(CudaBackend cuda, Runnable run, int reps) {
        Runnable all = () -> {
            for (int r = 0; r < reps; r++) {
                run.run();
            }
        };
        if (cuda.launcher() instanceof JCudaLauncher gpu) {
            return gpu.timeMillis(all) / reps;
        }
        long t0 = System.nanoTime();
        all.run();
        cuda.synchronize();
        return (System.nanoTime() - t0) / 1e6 / reps;
    }

    /** The kernel family (the {@code .cu} file / Java package) a case exercises, from its name. */
    static String family(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.startsWith("gemm")) {
            return "gemm";
        }
        if (n.startsWith("unary") || n.startsWith("binary") || n.startsWith("affine") || n.startsWith("where")
                || n.startsWith("axpy") || n.contains("backwardtangent")) {
            return "elementwise";
        }
        if (n.startsWith("dot") || n.startsWith("reduce")) {
            return "reduce";
        }
        if (n.startsWith("normal") || n.startsWith("uniform")) {
            return "rng";
        }
        if (n.contains("softmax")) {
            return "softmax";
        }
        if (n.startsWith("layernorm")) {
            return "layernorm";
        }
        if (n.startsWith("gather") || n.startsWith("scatter")) {
            return "indexing";
        }
        if (n.startsWith("attention")) {
            return "attention";
        }
        if (n.startsWith("symmetriceigen")) {
            return "eigen";
        }
        return "memory"; // fill, convert, copyStrided
    }

    /** Every family a full case list covers (the kernel files plus the host eigensolver). */
    public static final List<String> FAMILIES = List.of("memory", "gemm", "elementwise", "reduce", "softmax",
            "layernorm", "indexing", "rng", "attention", "eigen");

    /**
     * One timed case. {@code ms} is the mean time per call on the CUDA backend (host wall time on the emulation);
     * {@code roofMs} the H100 roofline time of CUDA.md; {@code cublasMs}/{@code cublasErr} the cuBLAS baseline for
     * GEMM cases (NaN when not measured).
     */
    public record Result(String name, String family, DType dtype, double err, boolean ok, double ms, double gbs,
                         double gflops, double roofMs, double cublasMs, double cublasErr) {
        /** Roofline time / measured time (1 = at the roofline). */
        public double rooflineFraction() {
            return roofMs / ms;
        }
    }

    /**
     * Runs every case on {@code cuda} (checked against a CPU backend, then timed, {@code reps} calls) and, for the
     * GEMM cases, on {@code cublas} too when it is not null; each finished row is also passed to {@code log}.
     */
    public static List<Result> run(CudaBackend cuda, CudaBackend cublas, Sizes sizes, int reps,
                                   java.util.function.Consumer<Result> log) {
        List<Result> out = new ArrayList<>();
        try (CpuBackend cpu = new CpuBackend()) {
            for (Case c : cases(sizes)) {
                Run want = c.op().prepare(cpu);
                Run got = c.op().prepare(cuda);
                want.run().run();
                got.run().run();
                double err = maxRelError(want.out(), got.out());
                double tol = c.dt() == DType.F32 ? 1e-3 : 1e-9;
                got.run().run();
                double ms = timeMillis(cuda, got.run(), reps);
                double peak = c.dt() == DType.F32 ? F32_FLOPS
                        : family(c.name()).equals("gemm") && cuda.launcher().computeCapability() >= 80 ? F64_TC_FLOPS
                        : F64_FLOPS;
                double roof = 1e3 * Math.max(c.bytes() / HBM_BYTES_PER_S, c.flops() / peak);
                String fam = family(c.name());
                double bms = Double.NaN;
                double berr = Double.NaN;
                if (cublas != null && fam.equals("gemm")) {
                    Run base = c.op().prepare(cublas);
                    base.run().run();
                    berr = maxRelError(want.out(), base.out());
                    base.run().run();
                    bms = timeMillis(cublas, base.run(), reps);
                    base.owned().forEach(Buffer::close);
                }
                Result r = new Result(c.name(), fam, c.dt(), err, err <= tol, ms, c.bytes() / ms / 1e6,
                        c.flops() / ms / 1e6, roof, bms, berr);
                out.add(r);
                log.accept(r);
                want.owned().forEach(Buffer::close);
                got.owned().forEach(Buffer::close);
            }
        }
        return out;
    }

    /** The f32 GEMM cases of {@code sizes} (the MLP products), for the tensor-core modes. */
    private static List<Case> f32Gemms(Sizes sizes) {
        return cases(sizes).stream().filter(c -> family(c.name()).equals("gemm") && c.dt() == DType.F32).toList();
    }

    /**
     * The f32 GEMM cases in each tensor-core mode ({@link GemmPrecision#TF32}, {@link GemmPrecision#BF16}): a
     * backend of that mode (emulated when {@code emu}, else GPU 0), checked against the exact CPU GEMM with the mode's
     * sanity tolerance, timed ({@code reps} calls) against the mode's tensor-core roofline and, when {@code cublas},
     * against cuBLAS with the matching compute type. Rows are named {@code "gemm TF32 (wgmma) ..."},
     * {@code "gemmBatched BF16 (wmma) ..."}: the mode and the kind of kernel that ran ({@link GemmCuda#f32KernelKind}).
     */
    public static List<Result> runGemmModes(Sizes sizes, int reps, boolean emu, boolean cublas,
                                            java.util.function.Consumer<Result> log) {
        List<Result> out = new ArrayList<>();
        for (GemmPrecision mode : new GemmPrecision[] {GemmPrecision.TF32, GemmPrecision.BF16}) {
            double tol = mode == GemmPrecision.TF32 ? TF32_TOL : BF16_TOL;
            double peak = mode == GemmPrecision.TF32 ? TF32_FLOPS : BF16_FLOPS;
            try (CudaBackend cuda = emu ? CudaBackend.emulated(mode) : CudaBackend.gpu(0, false, mode);
                 CudaBackend base = cublas && !emu ? CudaBackend.gpu(0, true, mode) : null;
                 CpuBackend cpu = new CpuBackend()) {
                boolean haveCublas = base != null && base.launcher().description().contains("cuBLAS (");
                String kind = GemmCuda.f32KernelKind(mode, cuda.launcher().computeCapability());
                for (Case c : f32Gemms(sizes)) {
                    Run want = c.op().prepare(cpu);
                    Run got = c.op().prepare(cuda);
                    want.run().run();
                    got.run().run();
                    double err = maxRelError(want.out(), got.out());
                    double ms = timeMillis(cuda, got.run(), reps);
                    double bms = Double.NaN;
                    double berr = Double.NaN;
                    if (haveCublas) {
                        Run b = c.op().prepare(base);
                        b.run().run();
                        berr = maxRelError(want.out(), b.out());
                        bms = timeMillis(base, b.run(), reps);
                        b.owned().forEach(Buffer::close);
                    }
                    double roof = 1e3 * Math.max(c.bytes() / HBM_BYTES_PER_S, c.flops() / peak);
                    String name = c.name().replaceFirst("^(gemm\\w*) ", "$1 " + mode + " (" + kind + ") ");
                    Result r = new Result(name, "gemm", c.dt(), err, err <= tol, ms, c.bytes() / ms / 1e6,
                            c.flops() / ms / 1e6, roof, bms, berr);
                    out.add(r);
                    log.accept(r);
                    want.owned().forEach(Buffer::close);
                    got.owned().forEach(Buffer::close);
                }
            }
        }
        return out;
    }

    /** Runs the check; returns the number of cases whose outputs disagree with the CPU backend. */
    public static int check(boolean emu, int reps) {
        try (CudaBackend cuda = emu ? CudaBackend.emulated() : CudaBackend.gpu(0)) {
            System.out.println("CUDA kernel check on " + cuda.launcher().description() + ", " + reps + " reps");
            System.out.println("| case | dtype | max rel err | ok | ms | GB/s | GFLOP/s | H100 roofline ms |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            List<Result> rs = run(cuda, null, emu ? Sizes.emulated() : Sizes.full(), reps, r -> System.out.println(
                    String.format(Locale.ROOT, "| %s | %s | %.2e | %s | %.4f | %.1f | %.1f | %.4f |", r.name(),
                            r.dtype(), r.err(), r.ok() ? "yes" : "NO", r.ms(), r.gbs(), r.gflops(), r.roofMs())));
            return (int) rs.stream().filter(r -> !r.ok()).count();
        }
    }
    public static void main(String[] args) {
        boolean emu = false;
        int reps = 20;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--emu" -> emu = true;
                case "--reps" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--reps needs a count; given nothing");
                    }
                    reps = Integer.parseInt(args[++i]);
                    if (reps < 1) {
                        throw new IllegalArgumentException("--reps must be >= 1; given " + reps);
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                        + "'; usage: CudaKernelCheck [--emu] [--reps N]");
            }
        }
        if (!emu) {
            String why = CudaSupport.unavailableReason();
            if (why != null) {
                System.out.println("no GPU: " + why + " (run with --emu to exercise the check on the host emulation)");
                return;
            }
        }
        int bad = check(emu, reps);
        System.out.println(bad == 0 ? "all kernels agree with the CPU backend" : bad + " case(s) DISAGREE");
        if (bad != 0) {
            throw new IllegalStateException(bad + " CUDA kernel case(s) disagree with the CPU backend");
        }
    }
}
