#!/usr/bin/env python3
"""PyTorch peer for the Carnot kernel benchmarks: torch.matmul (f32/f64, n = 512, 1024, 2048) and torch
tanh/exp/add/copy (f32/f64, 1M and 64M elements) on 2 threads; median of repeats. Writes JSON for
kernels_table.py.

    /usr/bin/python3 bench/python/gemm_peer.py --out bench/results/kernels-torch.json
"""
import argparse
import json
import statistics
import time

import torch


def best_cpu_time(fn, repeats, warmup=2):
    """Smallest process CPU time (all threads) of one call: divided by the thread count it is the time the call
    would take on dedicated cores, robust to other processes time-sharing the machine."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def median_time(fn, repeats, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    res = {"torch": torch.__version__, "threads": args.threads, "gemm": [], "elementwise": []}
    for dt, name in ((torch.float32, "f32"), (torch.float64, "f64")):
        for n in (512, 1024, 2048):
            a = torch.rand(n, n, dtype=dt) * 2 - 1
            b = torch.rand(n, n, dtype=dt) * 2 - 1
            c = torch.empty(n, n, dtype=dt)
            t = median_time(lambda: torch.matmul(a, b, out=c), repeats=7 if n < 2048 else 5)
            tc = best_cpu_time(lambda: torch.matmul(a, b, out=c), repeats=7 if n < 2048 else 5) / args.threads
            torch.set_num_threads(1)
            t1 = best_cpu_time(lambda: torch.matmul(a, b, out=c), repeats=5 if n < 2048 else 3)
            torch.set_num_threads(args.threads)
            res["gemm"].append({"dtype": name, "n": n, "ms": t * 1e3, "gflops": 2 * n ** 3 / t / 1e9,
                                "gflops_cpu_normalised": 2 * n ** 3 / tc / 1e9,
                                "gflops_cpu_1thread": 2 * n ** 3 / t1 / 1e9})
            print(f"torch matmul {name} n={n}: wall {2 * n ** 3 / t / 1e9:.1f} GFLOP/s, "
                  f"cpu-normalised {2 * n ** 3 / tc / 1e9:.1f} GFLOP/s, 1 thread {2 * n ** 3 / t1 / 1e9:.1f} GFLOP/s",
                  flush=True)
        for n in (1 << 20, 1 << 26):
            x = torch.rand(n, dtype=dt) * 8 - 4
            y = torch.rand(n, dtype=dt) * 8 - 4
            out = torch.empty(n, dtype=dt)
            ops = {"tanh": (lambda: torch.tanh(x, out=out), 2), "exp": (lambda: torch.exp(x, out=out), 2),
                   "add": (lambda: torch.add(x, y, out=out), 3), "copy": (lambda: out.copy_(x), 2)}
            for op, (fn, words) in ops.items():
                t = median_time(fn, repeats=11 if n < (1 << 26) else 5)
                gbs = words * n * x.element_size() / t / 1e9
                res["elementwise"].append({"op": op, "dtype": name, "n": n, "ms": t * 1e3, "gbs": gbs})
                print(f"torch {op} {name} n={n}: {gbs:.1f} GB/s", flush=True)
    # one thread, CPU time: the same quantities as carnot.bench.kernels.KernelCpuTime
    torch.set_num_threads(1)
    res["elementwise_cpu"] = []
    for dt, name in ((torch.float32, "f32"), (torch.float64, "f64")):
        n = 1 << 20
        x = torch.rand(n, dtype=dt) * 8 - 4
        y = torch.rand(n, dtype=dt) * 8 - 4
        out = torch.empty(n, dtype=dt)
        x2 = x.view(n // 1024, 1024)
        ops = {"copy": (lambda: out.copy_(x), 2), "add": (lambda: torch.add(x, y, out=out), 3),
               "tanh": (lambda: torch.tanh(x, out=out), 2), "exp": (lambda: torch.exp(x, out=out), 2),
               "gelu": (lambda: torch.nn.functional.gelu(x, approximate="tanh"), 2),
               "sigmoid": (lambda: torch.sigmoid(x, out=out), 2),
               "softplus": (lambda: torch.nn.functional.softplus(x), 2),
               "softmax": (lambda: torch.softmax(x2, dim=1), 2),
               "layernorm": (lambda: torch.nn.functional.layer_norm(x2, (1024,), eps=1e-5), 2)}
        for op, (fn, words) in ops.items():
            t = best_cpu_time(fn, repeats=30, warmup=5)
            gbs = words * n * x.element_size() / t / 1e9
            res["elementwise_cpu"].append({"op": op, "dtype": name, "n": n, "gbs": gbs})
            print(f"torch {op} {name} n={n} 1-thread cpu-time: {gbs:.2f} GB/s", flush=True)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
