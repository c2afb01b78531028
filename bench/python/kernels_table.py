#!/usr/bin/env python3
"""Turns the JMH JSON of carnot.bench.kernels (and optionally the torch peer JSON) into the markdown tables of
bench/README.md: GEMM GFLOP/s vs torch, elementwise/softmax/layernorm GB/s vs copy, simd/ref speedups.
Times are the median invocation of JMH SampleTime (robust to other processes sharing the cores).

    /usr/bin/python3 bench/python/kernels_table.py [--torch bench/results/kernels-torch.json] JMH.json [JMH.json ...]
"""
import json
import os
import re
import sys

WORDS = {"tanh": 2, "exp": 2, "add": 3, "copy": 2, "softmax": 2, "layernorm": 2, "gelu": 2, "sigmoid": 2,
         "softplus": 2, "d_tanh": 2, "d_gelu": 2}
BYTES = {"f32": 4, "f64": 8}


def load(path):
    rows = []
    for r in json.load(open(path)):
        name = r["benchmark"].split(".")[-2]
        p = r.get("params", {})
        pm = r["primaryMetric"]
        ms = pm["scorePercentiles"]["50.0"] if r.get("mode") == "sample" else pm["score"]
        rows.append((name, p, ms))
    return rows


def cpu_tables(text, torch):
    """Tables from KernelCpuTime's output and the torch peer's CPU-time numbers."""
    print("### CPU time (robust to other processes sharing the cores)\n")
    print("#### GEMM, GFLOP/s per CPU-second x threads (process CPU time)\n")
    print("| dtype | n | threads | Carnot | PyTorch | Carnot / PyTorch |")
    print("|---|---|---|---|---|---|")
    for m in re.finditer(r"carnot gemm (\w+) n=(\d+) threads=(\d+): wall ([\d.]+) GFLOP/s, cpu-normalised ([\d.]+)", text):
        dt, n, th, ours = m.group(1), int(m.group(2)), int(m.group(3)), float(m.group(5))
        key = "gflops_cpu_1thread" if th == 1 else "gflops_cpu_normalised"
        peer = next((g.get(key) for g in (torch or {}).get("gemm", []) if g["dtype"] == dt and g["n"] == n), None)
        print(f"| {dt} | {n} | {th} | {ours:.1f} | {peer:.1f} | {ours / peer:.2f} |" if peer
              else f"| {dt} | {n} | {th} | {ours:.1f} | - | - |")
    rows = {}
    for m in re.finditer(r"carnot (\w+) (\w+) n=(\d+) 1-thread: simd ([\d.]+) GB/s, ref ([\w.]+) GB/s", text):
        rows[(m.group(1), m.group(2))] = (float(m.group(4)), float(m.group(5)))
    print("\n#### One thread, GB/s per CPU-second (read + write), n = 2^20\n")
    print("| op | dtype | ref | simd | simd / ref | simd % of copy | PyTorch | simd / PyTorch |")
    print("|---|---|---|---|---|---|---|---|")
    for (op, dt), (simd, ref) in rows.items():
        copy = rows.get(("copy", dt), (None,))[0]
        peer = next((e["gbs"] for e in (torch or {}).get("elementwise_cpu", []) if e["op"] == op and e["dtype"] == dt), None)
        f = lambda v: "-" if v is None or v != v else f"{v:.1f}"
        print(f"| {op} | {dt} | {f(ref)} | {f(simd)} | {f(simd / ref if ref == ref else None)} | "
              f"{f(100 * simd / copy if copy else None)} | {f(peer)} | {f(simd / peer if peer else None)} |")
    print()


def main():
    args = sys.argv[1:]
    torch = None
    cputime = None
    while args and args[0].startswith("--"):
        if args[0] == "--torch":
            torch = json.load(open(args[1])) if os.path.exists(args[1]) else None
        elif args[0] == "--cputime":
            cputime = open(args[1]).read() if os.path.exists(args[1]) else None
        args = args[2:]
    if cputime:
        cpu_tables(cputime, torch)
    jmh = [row for path in args for row in load(path)]
    print("### Wall clock (JMH SampleTime, median invocation)\n")
    print("#### GEMM (C = A B, n x n, 2 threads), GFLOP/s\n")
    print("| dtype | n | Carnot (OpenBLAS, zero copy) | PyTorch matmul | Carnot / PyTorch |")
    print("|---|---|---|---|---|")
    for name, p, ms in jmh:
        if name != "GemmBench":
            continue
        n = int(p["n"])
        ours = 2 * n ** 3 / (ms * 1e-3) / 1e9
        peer = next((g["gflops"] for g in (torch or {}).get("gemm", []) if g["dtype"] == p["dtype"] and g["n"] == n), None)
        print(f"| {p['dtype']} | {n} | {ours:.1f} | {peer:.1f} | {ours / peer:.2f} |" if peer else
              f"| {p['dtype']} | {n} | {ours:.1f} | - | - |")
    copy = {}
    for name, p, ms in jmh:
        if name == "CopyBench":
            n = int(p["n"])
            copy[(p["impl"], n)] = 2 * n * BYTES[p["dtype"]] / (ms * 1e-3) / 1e9
    print("\n#### Memory ceiling: Backend.copy (f32), GB/s (read + write)\n")
    print("| threads | n | GB/s |")
    print("|---|---|---|")
    for (impl, n), g in sorted(copy.items()):
        print(f"| {impl[-1]} | {n} | {g:.1f} |")
    print("\n#### Elementwise, softmax, layer norm: GB/s (read + write), % of copy, speedup vs scalar reference\n")
    print("| op | dtype | n | ref GB/s | simd 1 thr GB/s | simd 2 thr GB/s | 2 thr % of copy | simd1/ref | simd2/ref | PyTorch GB/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    table = {}
    for name, p, ms in jmh:
        if name in ("ElementwiseBench", "SoftmaxLayerNormBench", "ActivationBench"):
            n = int(p["n"])
            table.setdefault((p["op"], p["dtype"], n), {})[p["impl"]] = ms
    for (op, dt, n), d in sorted(table.items()):
        gb = lambda ms: WORDS[op] * n * BYTES[dt] / (ms * 1e-3) / 1e9
        ref, c1, c2 = d.get("ref"), d.get("cpu1"), d.get("cpu2")
        ceil = copy.get(("cpu2", n)) or copy.get(("cpu2", max((k[1] for k in copy), default=n)))
        peer = next((e["gbs"] for e in (torch or {}).get("elementwise", [])
                     if e["op"] == op and e["dtype"] == dt and e["n"] == n), None)
        f = lambda v: f"{v:.1f}" if v is not None else "-"
        print(f"| {op} | {dt} | {n} | {f(gb(ref) if ref else None)} | {f(gb(c1) if c1 else None)} | "
              f"{f(gb(c2) if c2 else None)} | {f(100 * gb(c2) / ceil if c2 and ceil else None)} | "
              f"{f(ref / c1 if ref and c1 else None)} | {f(ref / c2 if ref and c2 else None)} | {f(peer)} |")


if __name__ == "__main__":
    main()
