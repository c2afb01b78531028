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
            res["gemm"].append({"dtype": name, "n": n, "ms": t * 1e3, "gflops": 2 * n ** 3 / t / 1e9})
            print(f"torch matmul {name} n={n}: {2 * n ** 3 / t / 1e9:.1f} GFLOP/s", flush=True)
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
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
