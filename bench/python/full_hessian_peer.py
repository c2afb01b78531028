#!/usr/bin/env python3
"""The whole-process peer of `carnot spectrum --method full` (bench/run-full-hessian.sh): the full Hessian of a
P ~ 5-7k problem in f64 by torch.func.hessian (forward-over-reverse, vmapped over all P directions; functorch's on
PyTorch 1.13) and its eigenvalues by torch.linalg.eigvalsh, in a fresh process (imports included).

Problems (the same weights and data on both sides, written here as npz and passed to `carnot spectrum --weights
--data`):
  mlp   MLP 40-60-40-5 tanh with biases, N = 1000, MSE (1/(2N) sum ||f - y||^2), P = 5,105
  tf    Transformer (models/README.md's module: vocab 12, context 12, d 16, 2 heads, 2 layers, MLP ratio 4),
        32 sequences, cross-entropy at every position, P = 6,944

  make DIR            writes DIR/{mlp,tf}_{w,d}.npz
  solve DIR CASE      loads them, computes, prints one JSON line: solve_seconds (Hessian + eigvalsh),
                      cpu_seconds (process), vmhwm_mb (peak resident set, /proc/self/status VmHWM, whole process),
                      hessian_mb, top eigenvalues, torch version, method
  --chunk K           vmap K directions at a time (torch.func.vmap(jvp(grad)) over K identity rows per call)
                      instead of torch.func.hessian's all-P vmap: less memory, same matrix

Usage: python3 bench/python/full_hessian_peer.py make|solve DIR [CASE] [--threads 2] [--chunk K]
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402
from parity import documented_modules, loss_fn  # noqa: E402

try:
    from torch.func import functional_call, grad, hessian, jvp, vmap  # torch >= 2.0
except ImportError:  # torch 1.13: functorch
    from functorch import grad, hessian, jvp, vmap
    from torch.nn.utils.stateless import functional_call

MLP = [40, 60, 40, 5]
TF = dict(vocab=12, ctx=12, d=16, heads=2, layers=2, ratio=4, batch=32)
CARNOT_FLAGS = {
    "mlp": ["--model", "mlp", "--widths", ",".join(map(str, MLP)), "--act", "tanh", "--loss", "mse"],
    "tf": ["--model", "transformer", "--vocab", str(TF["vocab"]), "--ctx", str(TF["ctx"]), "--d-model", str(TF["d"]),
           "--heads", str(TF["heads"]), "--layers", str(TF["layers"]), "--mlp-ratio", str(TF["ratio"]), "--loss", "ce"],
}


def module(case):
    ns = documented_modules()
    if case == "mlp":
        return ns["Mlp"](MLP, "tanh", True).double(), "mse"
    return ns["Transformer"](TF["vocab"], TF["ctx"], TF["d"], TF["heads"], TF["layers"], TF["ratio"]).double(), "ce"


def make(folder):
    for case in ("mlp", "tf"):
        m, _ = module(case)
        torch.manual_seed(1)
        with torch.no_grad():  # parity.py's initialisation: layer-norm gains near 1, W ~ N(0, 1/fan_in)
            for name, p in m.named_parameters():
                if name.endswith(("ln1.weight", "ln2.weight", "ln_f.weight")):
                    p.copy_(1 + 0.2 * torch.randn_like(p))
                else:
                    p.copy_(torch.randn_like(p) * (0.2 if p.dim() == 1 else 1 / np.sqrt(p.shape[-1])))
        gen = torch.Generator().manual_seed(2)
        if case == "mlp":
            x = torch.randn(1000, MLP[0], generator=gen, dtype=torch.float64)
            y = torch.randn(1000, MLP[-1], generator=gen, dtype=torch.float64)
        else:
            x = torch.randint(0, TF["vocab"], (TF["batch"], TF["ctx"]), generator=gen)
            y = torch.randint(0, TF["vocab"], (TF["batch"], TF["ctx"]), generator=gen)
        np.savez(os.path.join(folder, case + "_w.npz"),
                 **{n: p.detach().numpy() for n, p in m.named_parameters()})
        np.savez(os.path.join(folder, case + "_d.npz"), x=x.numpy(), y=y.numpy())
        print("%s: P = %d" % (case, sum(p.numel() for p in m.parameters())))


def vmhwm_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def solve(folder, case, chunk):
    m, kind = module(case)
    w = dict(np.load(os.path.join(folder, case + "_w.npz")))
    d = np.load(os.path.join(folder, case + "_d.npz"))
    x, y = torch.from_numpy(d["x"]), torch.from_numpy(d["y"])
    names = [n for n, _ in m.named_parameters()]
    shapes = [tuple(w[n].shape) for n in names]
    sizes = [int(np.prod(s)) for s in shapes]
    flat0 = torch.cat([torch.from_numpy(w[n]).reshape(-1) for n in names])

    def f(flat):
        parts = torch.split(flat, sizes)
        state = {n: t.reshape(s) for n, t, s in zip(names, parts, shapes)}
        return loss_fn(kind, functional_call(m, state, (x,)), y)

    p = flat0.numel()
    t0, c0 = time.perf_counter(), time.process_time()
    if chunk:
        g = grad(f)
        batched = vmap(lambda v: jvp(g, (flat0,), (v,))[1])
        # vmap's chunk_size (torch >= 2.0) is this loop; functorch 1.13 lacks it
        h = torch.cat([batched(torch.eye(p, dtype=torch.float64)[i:i + chunk]) for i in range(0, p, chunk)])
        method = "vmap(jvp(grad)) in chunks of %d" % chunk
    else:
        h = hessian(f)(flat0)
        method = "func.hessian"
    t1 = time.perf_counter()
    ev = torch.linalg.eigvalsh(h)
    sec, cpu = time.perf_counter() - t0, time.process_time() - c0
    asym = float(torch.linalg.norm(h - h.T) / torch.linalg.norm(h))
    print(json.dumps({"case": case, "dim": p, "solve_seconds": sec, "hessian_seconds": t1 - t0,
                      "eigvalsh_seconds": sec - (t1 - t0), "cpu_seconds": cpu, "vmhwm_mb": vmhwm_mb(),
                      "hessian_mb": p * p * 8 / 2 ** 20, "eigenvalues": ev.flip(0)[:5].tolist(),
                      "bottom": ev[:3].tolist(), "asymmetry": asym, "method": method, "torch": torch.__version__,
                      "threads": torch.get_num_threads()}))


def main():
    mode, folder = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    chunk = int(sys.argv[sys.argv.index("--chunk") + 1]) if "--chunk" in sys.argv else 0
    torch.set_num_threads(threads)
    torch.set_default_dtype(torch.float64)
    if mode == "make":
        os.makedirs(folder, exist_ok=True)
        make(folder)
    elif mode == "flags":
        print(" ".join(CARNOT_FLAGS[sys.argv[3]]))
    else:
        solve(folder, sys.argv[3], chunk)


if __name__ == "__main__":
    main()
