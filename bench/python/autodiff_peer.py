#!/usr/bin/env python3
"""PyTorch peer for carnot.bench.engine.GradHvpBench / BatchedHvpBench (same problems, same thread count).

Problems:
  big:   MLP 784-512-512-512-10, tanh, loss = (1/N) sum_i 1/2 ||f(x_i) - y_i||^2 on one-hot y, N = 5000, f32 and f64
         gradient: loss.backward(); HVP: double backward (autograd.grad twice) and functorch jvp(grad(f));
         GEMM ceiling: one 5000x512 @ 512x512 matmul.
  small: MLP 20-56-56-10, tanh, same loss, N = 1000, f64: one HVP (both methods), x32 = 32 single HVPs,
         and functorch vmap over 32 directions for reference.
  big-f32: the f32 half of big.
  eos-f32: MLP 784-200-200-10 tanh (bench/run-eos.sh's network), N = 5000, f32: gradient, HVPs, the repeated
         product (retained graph), and "gemms": the gradient's eight matmuls alone (same shapes and transposes).
  deeplinear: deep linear network 256-256-256-256-256 (4 layers, no biases), f64, N = 10,000, x ~ N(0, 1),
         y = x T with T ~ N(0, 1/256), same loss: gradient, HVP (both methods), GEMM 10000x256 @ 256x256.
Prints one line per measurement: "case dtype what median_ms process_cpu_ms P wall_ms W" (medians over --reps
timed runs after warm-up; median_ms by the chosen clock: wall, or this thread's CPU time with --cpu-time).

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
    """The median by CLOCK; the process CPU and wall medians of the same calls are left in median_ms.others."""
    for _ in range(warm):
        fn()
    ts, ps, ws = [], [], []
    for _ in range(reps):
        t0, p0, w0 = CLOCK(), time.process_time(), time.perf_counter()
        fn()
        ts.append((CLOCK() - t0) * 1e3)
        ws.append((time.perf_counter() - w0) * 1e3)
        ps.append((time.process_time() - p0) * 1e3)
    median_ms.others = " process_cpu_ms %.3f wall_ms %.3f" % (statistics.median(ps), statistics.median(ws))
    return statistics.median(ts)


def report(label, fn, reps, digits=2):
    value = median_ms(fn, reps)
    print(("%s %." + str(digits) + "f%s") % (label, value, median_ms.others), flush=True)


def retained_graph_hvp(params, loss_of, v):
    """Double backward through a create_graph gradient built once (the eigen-solver recipe; peer of Carnot's
    Linearized products): after the first call only the second backward runs."""
    retained = {}

    def hvp_retained_graph():
        if not retained:
            ps = tuple(p.detach().requires_grad_(True) for p in params)
            retained["ps"] = ps
            retained["g"] = torch.autograd.grad(loss_of(ps), ps, create_graph=True)
        g, ps = retained["g"], retained["ps"]
        dot = sum((gi * vi).sum() for gi, vi in zip(g, v))
        return torch.autograd.grad(dot, ps, retain_graph=True)

    return hvp_retained_graph


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

    hvp_jvp_grad.retained = retained_graph_hvp(params, loss_of, v)
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
    if "big" in cases or "big-f32" in cases:
        for dtype in (torch.float32, torch.float64) if "big" in cases else (torch.float32,):
            name = "f32" if dtype == torch.float32 else "f64"
            _, _, _, _, gradient, hvp_db, hvp_jg = setup([784, 512, 512, 512, 10], 5000, dtype)
            A = torch.randn(5000, 512, dtype=dtype)
            B = torch.randn(512, 512, dtype=dtype)
            report(f"big {name} gemm_5000x512x512", lambda: A @ B, a.reps)
            report(f"big {name} gradient", gradient, a.reps)
            report(f"big {name} hvp_double_backward", hvp_db, a.reps)
            report(f"big {name} hvp_jvp_grad", hvp_jg, a.reps)
            hvp_jg.retained()
            report(f"big {name} hvp_retained_graph", hvp_jg.retained, a.reps)
    if "small" in cases:
        dtype = torch.float64
        _, params, v, loss_of, _, hvp_db, hvp_jg = setup([20, 56, 56, 10], 1000, dtype)
        report("small f64 hvp_double_backward", hvp_db, a.reps * 3, 3)
        report("small f64 hvp_jvp_grad", hvp_jg, a.reps * 3, 3)
        report("small f64 hvp_x32_singles_double_backward", lambda: [hvp_db() for _ in range(32)], a.reps)
        vs = tuple(torch.randn((32,) + p.shape, dtype=dtype) for p in params)
        batched = vmap(lambda t: jvp(grad(loss_of), (params,), (t,))[1])
        try:
            report("small f64 hvp_x32_vmap_jvp_grad", lambda: batched(vs), a.reps)
        except Exception as e:  # functorch 1.13 vmap coverage is incomplete on some builds
            print(f"# small vmap failed: {type(e).__name__}: {e}")

    if "deeplinear" in cases:
        deep_linear(a.reps)
    if "eos-f32" in cases:
        dtype = torch.float32
        _, _, _, _, gradient, hvp_db, hvp_jg = setup([784, 200, 200, 10], 5000, dtype)
        x, h, g10 = (torch.randn(5000, k, dtype=dtype) for k in (784, 200, 10))
        w1, w2, w3 = (torch.randn(a_, b_, dtype=dtype) for a_, b_ in ((784, 200), (200, 200), (200, 10)))

        def gemms():
            x @ w1, h @ w2, h @ w3, x.t() @ h, h.t() @ h, h.t() @ g10, g10 @ w3.t()
            return h @ w2.t()

        report("eos f32 gemms", gemms, a.reps)
        report("eos f32 gradient", gradient, a.reps)
        report("eos f32 hvp_double_backward", hvp_db, a.reps)
        report("eos f32 hvp_jvp_grad", hvp_jg, a.reps)
        hvp_jg.retained()
        report("eos f32 hvp_retained_graph", hvp_jg.retained, a.reps)


def deep_linear(reps):
    dtype = torch.float64
    widths, n = [256, 256, 256, 256, 256], 10000
    torch.manual_seed(1)
    layers = [torch.nn.Linear(widths[i], widths[i + 1], bias=False).to(dtype) for i in range(len(widths) - 1)]
    model = torch.nn.Sequential(*layers)
    g = torch.Generator().manual_seed(2)
    x = torch.randn(n, widths[0], generator=g, dtype=dtype)
    y = x @ (torch.randn(widths[0], widths[-1], generator=g, dtype=dtype) / widths[0] ** 0.5)
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
        gr = torch.autograd.grad(loss_of(ps), ps, create_graph=True)
        dot = sum((gi * vi).sum() for gi, vi in zip(gr, v))
        return torch.autograd.grad(dot, ps)

    def hvp_jvp_grad():
        return jvp(grad(loss_of), (params,), (v,))[1]

    A = torch.randn(n, 256, dtype=dtype)
    B = torch.randn(256, 256, dtype=dtype)
    report("deeplinear f64 gemm_10000x256x256", lambda: A @ B, reps)
    report("deeplinear f64 gradient", gradient, reps)
    report("deeplinear f64 hvp_double_backward", hvp_double_backward, reps)
    report("deeplinear f64 hvp_jvp_grad", hvp_jvp_grad, reps)
    hvp_retained_graph = retained_graph_hvp(params, loss_of, v)
    hvp_retained_graph()
    report("deeplinear f64 hvp_retained_graph", hvp_retained_graph, reps)


if __name__ == "__main__":
    main()
