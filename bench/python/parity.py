#!/usr/bin/env python3
"""PyTorch parity check for Carnot's models: gradient and Hessian-vector product, in float64.

Builds the PyTorch-equivalent modules documented in models/README.md (the ```python block there is executed
verbatim), draws random weights, data and a direction v, saves them as npz, runs

    ./carnot grad ... --weights W.npz --data D.npz --out G.npz
    ./carnot hvp  ... --weights W.npz --data D.npz --vector V.npz --out HV.npz

and compares with torch.autograd (gradient; HVP by double backward) with the relative error
max|carnot - torch| / max|torch| over all parameters. Passes when every case is <= 1e-10 (--tol).

Losses (Carnot's definitions): mse = 1/(2n) sum_i ||f(x_i) - y_i||^2, ce = mean_i -log softmax(f(x_i))[y_i].

Usage: /usr/bin/python3 bench/python/parity.py [--carnot ./carnot] [--tol 1e-10] [--keep DIR]
Exit code 0 when all cases pass, 1 otherwise.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def documented_modules():
    with open(os.path.join(ROOT, "models", "README.md"), encoding="utf-8") as f:
        text = f.read()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    ns = {}
    exec(compile(code, "models/README.md", "exec"), ns)
    return ns


def loss_fn(kind, out, y):
    if kind == "mse":
        return 0.5 * ((out - y) ** 2).sum() / out.shape[0]
    return torch.nn.functional.cross_entropy(out, y.reshape(-1), reduction="mean")


def save(path, arrays):
    np.savez(path, **{k: np.ascontiguousarray(v) for k, v in arrays.items()})


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s%s" % (p.returncode, " ".join(cmd), p.stdout, p.stderr))
    return p.stdout


def rel_err(carnot, torch_arrays):
    scale = max(float(np.abs(a).max()) for a in torch_arrays.values())
    worst = 0.0
    for k, ref in torch_arrays.items():
        if k not in carnot:
            raise RuntimeError("carnot output lacks %s; it has %s" % (k, sorted(carnot)))
        got = carnot[k]
        if got.shape != ref.shape:
            raise RuntimeError("%s: carnot shape %s, torch %s" % (k, got.shape, ref.shape))
        worst = max(worst, float(np.abs(got - ref).max()))
    extra = set(carnot) - set(torch_arrays)
    if extra:
        raise RuntimeError("carnot output has extra arrays %s" % sorted(extra))
    return worst / max(scale, 1e-300)


def case(name, module, x, y, loss, flags, args, workdir, forward=None):
    torch.manual_seed(1)
    module = module.double()
    with torch.no_grad():
        for pname, p in module.named_parameters():
            if pname.endswith("ln1.weight") or pname.endswith("ln2.weight") or pname.endswith("ln_f.weight"):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            else:
                p.copy_(torch.randn_like(p) * (0.2 if p.dim() == 1 else 1 / np.sqrt(p.shape[-1])))
    names = [n for n, _ in module.named_parameters()]
    params = [p for _, p in module.named_parameters()]
    v = [torch.randn_like(p) for p in params]
    out = forward(module, x) if forward else module(x)
    L = loss_fn(loss, out, y)
    g = torch.autograd.grad(L, params, create_graph=True)
    gv = sum((gi * vi).sum() for gi, vi in zip(g, v))
    hv = torch.autograd.grad(gv, params)
    d = os.path.join(workdir, name)
    os.makedirs(d, exist_ok=True)
    wf, df, vf = (os.path.join(d, f) for f in ("W.npz", "D.npz", "V.npz"))
    save(wf, {n: p.detach().numpy() for n, p in zip(names, params)})
    save(df, {"x": x.numpy(), "y": y.numpy()})
    save(vf, {n: t.numpy() for n, t in zip(names, v)})
    base = [args.carnot] + flags + ["--dtype", "f64", "--backend", args.backend, "--weights", wf, "--data", df,
                                    "--loss", loss]
    results = {}
    for chunk in ("0", "3"):
        gf = os.path.join(d, "G%s.npz" % chunk)
        hf = os.path.join(d, "HV%s.npz" % chunk)
        out_text = run([base[0], "grad"] + base[1:] + ["--chunk", chunk, "--out", gf])
        run([base[0], "hvp"] + base[1:] + ["--chunk", chunk, "--vector", vf, "--out", hf])
        m = re.search(r"loss\s*[=:]\s*([-+0-9.eE]+)", out_text)
        loss_c = float(m.group(1)) if m else float("nan")
        G = dict(np.load(gf))
        HV = dict(np.load(hf))
        results[chunk] = (
            abs(loss_c - L.item()) / max(abs(L.item()), 1e-300),
            rel_err(G, {n: t.detach().numpy() for n, t in zip(names, g)}),
            rel_err(HV, {n: t.numpy() for n, t in zip(names, hv)}),
        )
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--carnot", default=os.path.join(ROOT, "carnot"))
    ap.add_argument("--backend", default="cpu")
    ap.add_argument("--tol", type=float, default=1e-10)
    ap.add_argument("--keep", help="keep the npz files in this folder")
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    ns = documented_modules()
    workdir = args.keep or tempfile.mkdtemp(prefix="carnot-parity-")
    os.makedirs(workdir, exist_ok=True)
    gen = torch.Generator().manual_seed(0)
    cases = []
    # MLP, tanh, bias, mse
    w = [5, 7, 6, 3]
    cases.append(("mlp-tanh-mse", ns["Mlp"](w, "tanh", True), torch.randn(10, 5, generator=gen),
                  torch.randn(10, 3, generator=gen), "mse",
                  ["--model", "mlp", "--widths", "5,7,6,3", "--act", "tanh", "--bias", "true"], None))
    # MLP, gelu, cross-entropy
    cases.append(("mlp-gelu-ce", ns["Mlp"]([4, 8, 3], "gelu", True), torch.randn(9, 4, generator=gen),
                  torch.randint(0, 3, (9,), generator=gen), "ce",
                  ["--model", "mlp", "--widths", "4,8,3", "--act", "gelu", "--bias", "true"], None))
    # deep linear, mse
    cases.append(("linear-mse", ns["Mlp"]([4, 6, 5, 3], "linear", False), torch.randn(8, 4, generator=gen),
                  torch.randn(8, 3, generator=gen), "mse",
                  ["--model", "linear", "--widths", "4,6,5,3"], None))
    # transformer, next-token at every position
    tf = ["--model", "transformer", "--vocab", "7", "--ctx", "5", "--d-model", "8", "--heads", "2", "--layers", "2",
          "--mlp-ratio", "2"]
    cases.append(("transformer-all-positions", ns["Transformer"](7, 5, 8, 2, 2, 2),
                  torch.randint(0, 7, (6, 5), generator=gen).to(torch.int64),
                  torch.randint(0, 7, (6, 5), generator=gen).to(torch.int64), "ce", tf, None))
    # transformer, one target per sequence (last position)
    cases.append(("transformer-last-position", ns["Transformer"](7, 5, 8, 2, 2, 2),
                  torch.randint(0, 7, (6, 5), generator=gen).to(torch.int64),
                  torch.randint(0, 7, (6,), generator=gen).to(torch.int64), "ce", tf,
                  lambda m, x: m(x, last_only=True)))
    ok = True
    print("%-28s %6s %12s %12s %12s" % ("case", "chunk", "loss rel", "grad rel", "hvp rel"))
    for name, module, x, y, loss, flags, fwd in cases:
        try:
            res = case(name, module, x, y, loss, flags, args, workdir, fwd)
        except Exception as e:  # report and continue with the other cases
            print("%-28s FAILED: %s" % (name, e))
            ok = False
            continue
        for chunk, (lr, gr, hr) in res.items():
            passed = lr <= args.tol and gr <= args.tol and hr <= args.tol
            ok &= passed
            print("%-28s %6s %12.3e %12.3e %12.3e %s" % (name, chunk, lr, gr, hr, "ok" if passed else "FAIL"))
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    print("parity: %s (tolerance %.0e)" % ("PASS" if ok else "FAIL", args.tol))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
