#!/usr/bin/env python3
"""PyTorch parity for Hessian spectra: top-5 eigenvalues of a small MLP from `carnot spectrum --json` (Lanczos and
the full eigendecomposition) against torch.linalg.eigvalsh of the PyTorch full Hessian
(torch.autograd.functional.hessian), in float64. Same weights and data on both sides (npz files).

Cases: tanh MLP 6-12-8-3 with MSE, and with cross-entropy on integer labels; also the bottom-3 eigenvalues.
Losses (Carnot's definitions): mse = 1/(2n) sum_i ||f(x_i) - y_i||^2, ce = mean_i -log softmax(f(x_i))[y_i].
Passes when every relative difference |carnot - torch| / max|torch eigenvalue| is <= --tol (default 1e-8).

Usage: /usr/bin/python3 bench/python/spectra_parity.py [--carnot ./carnot] [--tol 1e-8]
Exit code 0 when all cases pass, 1 otherwise.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WIDTHS = [6, 12, 8, 3]


def forward(params, x):
    h = x
    nl = len(params) // 2
    for i in range(nl):
        h = h @ params[2 * i].T + params[2 * i + 1]
        if i < nl - 1:
            h = torch.tanh(h)
    return h


def loss(kind, out, y):
    if kind == "mse":
        return 0.5 * ((out - y) ** 2).sum() / out.shape[0]
    return torch.nn.functional.cross_entropy(out, y, reduction="mean")


def torch_eigs(w, x, y, kind):
    names = sorted(w, key=lambda k: (int(k.split(".")[1]), k.endswith("bias")))
    params = [torch.from_numpy(w[k]) for k in names]
    shapes = [p.shape for p in params]
    sizes = [p.numel() for p in params]
    flat = torch.cat([p.reshape(-1) for p in params])
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def f(v):
        parts = torch.split(v, sizes)
        return loss(kind, forward([p.reshape(s) for p, s in zip(parts, shapes)], xt), yt)

    h = torch.autograd.functional.hessian(f, flat)
    return torch.linalg.eigvalsh(0.5 * (h + h.T)).numpy()


def carnot(args, kind, wf, df, extra):
    cmd = args.carnot.split() + ["spectrum", "--model", "mlp", "--widths", ",".join(map(str, WIDTHS)), "--act",
                                 "tanh", "--dtype", "f64", "--loss", kind, "--weights", wf, "--data", df,
                                 "--json"] + extra
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("carnot failed (%d): %s\n%s%s" % (p.returncode, " ".join(cmd), p.stdout, p.stderr))
    return json.loads([l for l in p.stdout.splitlines() if l.startswith("{")][-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--carnot", default=os.path.join(ROOT, "carnot"))
    ap.add_argument("--tol", type=float, default=1e-8)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="carnot-spectra-parity-")
    ok = True
    try:
        for kind in ("mse", "ce"):
            rng = np.random.default_rng(11 if kind == "mse" else 12)
            w = {}
            for i in range(len(WIDTHS) - 1):
                w["layers.%d.weight" % i] = rng.standard_normal((WIDTHS[i + 1], WIDTHS[i])) / np.sqrt(WIDTHS[i])
                w["layers.%d.bias" % i] = 0.2 * rng.standard_normal(WIDTHS[i + 1])
            n = 40
            x = rng.standard_normal((n, WIDTHS[0]))
            y = rng.standard_normal((n, WIDTHS[-1])) if kind == "mse" else rng.integers(0, WIDTHS[-1], n)
            wf, df = os.path.join(tmp, kind + "_w.npz"), os.path.join(tmp, kind + "_d.npz")
            np.savez(wf, **w)
            np.savez(df, x=x, y=y)
            ev = torch_eigs(w, x, y, kind)
            scale = np.abs(ev).max()
            top_t, bottom_t = ev[::-1][:5], ev[:3]
            for method in ("lanczos", "lobpcg", "full"):
                extra = ["--method", method, "--top", "5", "--bottom", "3", "--tol", "1e-10", "--max-iter", "2000"]
                c = carnot(args, kind, wf, df, extra)
                top_c = np.array(c["top"]["eigenvalues"])
                bottom_c = np.array(c["bottom"]["eigenvalues"])
                err = max(np.abs(top_c - top_t).max(), np.abs(bottom_c - bottom_t).max()) / scale
                good = err <= args.tol
                ok &= good
                print("%-4s %-8s P=%d top-5 %s bottom-3 %s | max rel.diff %.2e (hvps %d) %s" % (
                    kind, method, c["dim"], np.array2string(top_c, precision=6),
                    np.array2string(bottom_c, precision=6), err, c["hvps"], "ok" if good else "FAIL"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("spectra parity:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
