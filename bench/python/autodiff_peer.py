#!/usr/bin/env python3
"""PyTorch peer for carnot.bench.engine.GradHvpBench / BatchedHvpBench (same problems, same thread count).

Problems:
  big:   MLP 784-512-512-512-10, tanh, loss = (1/N) sum_i 1/2 ||f(x_i) - y_i||^2 on one-hot y, N = 5000, f32 and f64
         gradient: loss.backward(); HVP: double backward (autograd.grad twice) and functorch jvp(grad(f));
         GEMM ceiling: one 5000x512 @ 512x512 matmul.
  small: MLP 20-56-56-10, tanh, same loss, N = 1000, f64: one HVP (both methods), x32 = 32 single HVPs,
         and functorch vmap over 32 directions for reference.
Prints one line per measurement: "case dtype what median_ms" (medians over --reps timed runs after warm-up).

Usage: python3 bench/python/autodiff_peer.py [--threads 2] [--reps 7] [--cases big,small] [--cpu-time]
"""
import argparse
import statistics
import time

import torch
import functorch
from functorch import jvp, grad, make_functional, vmap


def mlp(widths, dtype, seed):
    torch.manual_seed(seed)
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]).to(dtype))
        if i + 2 < len(widths):
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def data(n, d_in, classes, dtype, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d_in, generator=g, dtype=dtype)
    y = torch.zeros(n, classes, dtype=dtype)
    y[torch.arange(n), (torch.arange(n) * 7919) % classes] = 1
    return x, y


def mse(out, y):
    return 0.5 * ((out - y) ** 2).sum() / out.shape[0]


CLOCK = time.perf_counter


def median_ms(fn, reps, warm=2):
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(reps):
        t0 = CLOCK()
        fn()
        ts.append((CLOCK() - t0) * 1e3)
    return statistics.median(ts)


def setup(widths, n, dtype):
    model = mlp(widths, dtype, 1)
    x, y = data(n, widths[0], widths[-1], dtype, 2)
    fmodel, params = make_functional(model)
    params = tuple(p.detach() for p in params)
    v = tuple(torch.randn_like(p) for p in params)

    def loss_of(ps):
        return mse(fmodel(ps, x), y)

    def gradient():
        model.zero_grad(set_to_none=True)
        loss = mse(model(x), y)
        loss.backward()
        return loss

    def hvp_double_backward():
        ps = tuple(p.detach().requires_grad_(True) for p in params)
        g = torch.autograd.grad(loss_of(ps), ps, create_graph=True)
        dot = sum((gi * vi).sum() for gi, vi in zip(g, v))
        return torch.autograd.grad(dot, ps)

    def hvp_jvp_grad():
        return jvp(grad(loss_of), (params,), (v,))[1]

    retained = {}

    def hvp_retained_graph():
        """Double backward through a create_graph gradient built once (the eigen-solver recipe; peer of
        Carnot's Linearized products): only the second backward is timed after the first call."""
        if not retained:
            ps = tuple(p.detach().requires_grad_(True) for p in params)
            retained["ps"] = ps
            retained["g"] = torch.autograd.grad(loss_of(ps), ps, create_graph=True)
        g, ps = retained["g"], retained["ps"]
        dot = sum((gi * vi).sum() for gi, vi in zip(g, v))
        return torch.autograd.grad(dot, ps, retain_graph=True)

    hvp_jvp_grad.retained = hvp_retained_graph
    return model, params, v, loss_of, gradient, hvp_double_backward, hvp_jvp_grad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--cases", default="big,small")
    ap.add_argument("--cpu-time", action="store_true",
                    help="time by this thread's CPU time (use with --threads 1; peer of AutodiffCpuTime)")
    a = ap.parse_args()
    global CLOCK
    if a.cpu_time:
        CLOCK = time.thread_time
    torch.set_num_threads(a.threads)
    print(f"# torch {torch.__version__}, functorch {functorch.__version__}, threads {torch.get_num_threads()}")
    cases = a.cases.split(",")
    if "big" in cases:
        for dtype in (torch.float32, torch.float64):
            name = "f32" if dtype == torch.float32 else "f64"
            _, _, _, _, gradient, hvp_db, hvp_jg = setup([784, 512, 512, 512, 10], 5000, dtype)
            A = torch.randn(5000, 512, dtype=dtype)
            B = torch.randn(512, 512, dtype=dtype)
            print(f"big {name} gemm_5000x512x512 {median_ms(lambda: A @ B, a.reps):.2f}", flush=True)
            print(f"big {name} gradient {median_ms(gradient, a.reps):.2f}", flush=True)
            print(f"big {name} hvp_double_backward {median_ms(hvp_db, a.reps):.2f}", flush=True)
            print(f"big {name} hvp_jvp_grad {median_ms(hvp_jg, a.reps):.2f}", flush=True)
            hvp_jg.retained()
            print(f"big {name} hvp_retained_graph {median_ms(hvp_jg.retained, a.reps):.2f}", flush=True)
    if "small" in cases:
        dtype = torch.float64
        _, params, v, loss_of, _, hvp_db, hvp_jg = setup([20, 56, 56, 10], 1000, dtype)
        print(f"small f64 hvp_double_backward {median_ms(hvp_db, a.reps * 3):.3f}", flush=True)
        print(f"small f64 hvp_jvp_grad {median_ms(hvp_jg, a.reps * 3):.3f}", flush=True)
        print(f"small f64 hvp_x32_singles_double_backward {median_ms(lambda: [hvp_db() for _ in range(32)], a.reps):.2f}",
              flush=True)
        vs = tuple(torch.randn((32,) + p.shape, dtype=dtype) for p in params)
        batched = vmap(lambda t: jvp(grad(loss_of), (params,), (t,))[1])
        try:
            print(f"small f64 hvp_x32_vmap_jvp_grad {median_ms(lambda: batched(vs), a.reps):.2f}", flush=True)
        except Exception as e:  # functorch 1.13 vmap coverage is incomplete on some builds
            print(f"# small vmap failed: {type(e).__name__}: {e}")


if __name__ == "__main__":
    main()
