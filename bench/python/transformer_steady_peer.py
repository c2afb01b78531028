#!/usr/bin/env python3
"""The peer of carnot.bench.engine.TransformerSteadyCpuTime: the same transformer problem (warmup_peer.py's:
2 layers, d 128, 4 heads, context 64, vocab 64, batch 32, f32, CE at every position), GRADS gradients
(torch.autograd.grad) then HVPS Hessian-vector products (double backward through a create_graph gradient), each
timed by process CPU time (all threads), thread CPU time and wall clock; prints the medians over each phase's
second half in the harness's format.

Other shapes (vocab 64, 4 heads, 2 layers, MLP ratio 4 kept) by D, CONTEXT and BATCH; a `gemm` line gives this
process's f32 GEMM rate on the model's largest product ([batch*context, d] x [d, 4d], GFLOP per process-CPU
second and per CPU second of the calling thread), measured after the phases.

Usage: python3 bench/python/transformer_steady_peer.py [THREADS=2] [GRADS=300] [HVPS=100] [D=128] [CONTEXT=64]
[BATCH=32]
(for one thread also pin the BLAS: OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1)
"""
import os
import statistics
import sys
import time


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    grads = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    hvps = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    d = int(sys.argv[4]) if len(sys.argv) > 4 else 128
    ctx = int(sys.argv[5]) if len(sys.argv) > 5 else 64
    batch = int(sys.argv[6]) if len(sys.argv) > 6 else 32
    import torch
    torch.set_num_threads(threads)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    torch.manual_seed(1)
    from parity import documented_modules
    model = documented_modules()["Transformer"](64, ctx, d, 4, 2, 4)
    gen = torch.Generator().manual_seed(3)
    x = torch.randint(0, 64, (batch, ctx), generator=gen)
    y = torch.randint(0, 64, (batch, ctx), generator=gen)
    params = list(model.parameters())
    v = [torch.randn_like(p) for p in params]

    def gradient():
        loss = torch.nn.functional.cross_entropy(model(x), y.reshape(-1))
        return torch.autograd.grad(loss, params)[0]

    def hvp():
        loss = torch.nn.functional.cross_entropy(model(x), y.reshape(-1))
        g = torch.autograd.grad(loss, params, create_graph=True)
        return torch.autograd.grad(g, params, grad_outputs=v)[0]

    for name, f, count in (("gradient", gradient, grads), ("hvp", hvp, hvps)):
        if count <= 0:
            continue
        cpu, thr, wall = [], [], []
        for _ in range(count):
            p0, t0, w0 = time.process_time(), time.thread_time(), time.perf_counter()
            f().sum().item()
            wall.append((time.perf_counter() - w0) * 1e3)
            thr.append((time.thread_time() - t0) * 1e3)
            cpu.append((time.process_time() - p0) * 1e3)
        h = count // 2
        print("%s threads=%d n=%d process_cpu_ms %.2f thread_cpu_ms %.2f wall_ms %.2f (medians of %d..%d; torch %s)"
              % (name, threads, count, statistics.median(cpu[h:]), statistics.median(thr[h:]),
                 statistics.median(wall[h:]), h + 1, count, torch.__version__), flush=True)
    import resource
    print("memory peak_rss_mb %.1f" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0), flush=True)
    a = torch.randn(batch * ctx, d, generator=gen)
    w = torch.randn(d, 4 * d, generator=gen)
    rates, thread_rates, flop = [], [], 2.0 * batch * ctx * d * 4 * d
    for i in range(25):
        p0, t0 = time.process_time(), time.thread_time()
        torch.mm(a, w)
        if i >= 10:
            t1 = time.thread_time()
            rates.append(flop / (time.process_time() - p0) / 1e9)
            thread_rates.append(flop / (t1 - t0) / 1e9)
    print("gemm m=%d k=%d n=%d gflop_per_cpu_s %.1f gflop_per_thread_cpu_s %.1f" % (
        batch * ctx, d, 4 * d, statistics.median(rates), statistics.median(thread_rates)), flush=True)


if __name__ == "__main__":
    main()
