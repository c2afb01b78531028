#!/usr/bin/env python3
"""Writes the PyTorch golden files that models/src/test/.../TorchGoldenTest compares Carnot with (no PyTorch at
test time).

For every case (MLP tanh + MSE, MLP gelu + cross-entropy, deep linear + MSE, deep linear + cross-entropy,
transformer with a target at every position and with one target per sequence, both cross-entropy) it builds the
PyTorch modules documented in models/README.md (the ```python block there, executed verbatim), draws weights,
data and a direction v, and computes in float64 with torch.autograd:

    loss                 Carnot's definitions: mse = 1/(2n) sum_i ||f(x_i) - y_i||^2,
                         ce = mean over targets of -log softmax(f(x))[y]
    g.<name>             the gradient, per parameter (state_dict names)
    hv.<name>            the Hessian-vector product H v (double backward)
    eigenvalues          the full spectrum of the Hessian, ascending (torch.autograd.functional.hessian, then
                         torch.linalg.eigvalsh of (H + H^T) / 2)

next to the inputs w.<name>, v.<name>, x, y, into models/src/test/resources/golden/<case>.npz, and the versions
used into VERSIONS.txt there.

Regenerate (Debian: apt-get install python3-torch python3-scipy):
    /usr/bin/python3 bench/python/make_goldens.py [--out models/src/test/resources/golden]
"""
import argparse
import os
import platform
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parity import ROOT, documented_modules, loss_fn  # noqa: E402

try:
    from torch.func import functional_call  # torch >= 2.0
except ImportError:
    from torch.nn.utils.stateless import functional_call  # torch 1.12, 1.13


def init(module):
    """The initialisation of parity.py: layer-norm gains near 1, weights ~ N(0, 1/fan_in), biases ~ N(0, 0.04)."""
    torch.manual_seed(1)
    with torch.no_grad():
        for pname, p in module.named_parameters():
            if pname.endswith("ln1.weight") or pname.endswith("ln2.weight") or pname.endswith("ln_f.weight"):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            else:
                p.copy_(torch.randn_like(p) * (0.2 if p.dim() == 1 else 1 / np.sqrt(p.shape[-1])))


def golden(module, x, y, kind, forward):
    module = module.double()
    init(module)
    names = [n for n, _ in module.named_parameters()]
    params = [p for _, p in module.named_parameters()]
    v = [torch.randn_like(p) for p in params]
    loss = loss_fn(kind, forward(module, x), y)
    g = torch.autograd.grad(loss, params, create_graph=True)
    gv = sum((gi * vi).sum() for gi, vi in zip(g, v))
    hv = torch.autograd.grad(gv, params)

    shapes = [p.shape for p in params]
    sizes = [p.numel() for p in params]
    flat = torch.cat([p.detach().reshape(-1) for p in params])

    def f(w):
        parts = torch.split(w, sizes)
        state = {n: t.reshape(s) for n, t, s in zip(names, parts, shapes)}
        kwargs = {} if forward is plain else {"last_only": True}
        out = functional_call(module, state, (x,), kwargs)
        return loss_fn(kind, out, y)

    h = torch.autograd.functional.hessian(f, flat)
    ev = torch.linalg.eigvalsh(0.5 * (h + h.T))
    arrays = {"x": x.numpy(), "y": y.numpy(), "loss": np.array([loss.item()]), "eigenvalues": ev.numpy()}
    for n, p, vi, gi, hi in zip(names, params, v, g, hv):
        arrays["w." + n] = p.detach().numpy()
        arrays["v." + n] = vi.numpy()
        arrays["g." + n] = gi.detach().numpy()
        arrays["hv." + n] = hi.numpy()
    return arrays


def plain(m, x):
    return m(x)


def last_only(m, x):
    return m(x, last_only=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "src", "test", "resources", "golden"))
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    ns = documented_modules()
    gen = torch.Generator().manual_seed(0)
    cases = [
        ("mlp-tanh-mse", ns["Mlp"]([5, 7, 6, 3], "tanh", True), torch.randn(10, 5, generator=gen),
         torch.randn(10, 3, generator=gen), "mse", plain),
        ("mlp-gelu-ce", ns["Mlp"]([4, 8, 3], "gelu", True), torch.randn(9, 4, generator=gen),
         torch.randint(0, 3, (9,), generator=gen), "ce", plain),
        ("linear-mse", ns["Mlp"]([4, 6, 5, 3], "linear", False), torch.randn(8, 4, generator=gen),
         torch.randn(8, 3, generator=gen), "mse", plain),
        ("linear-ce", ns["Mlp"]([4, 6, 5, 3], "linear", False), torch.randn(8, 4, generator=gen),
         torch.randint(0, 3, (8,), generator=gen), "ce", plain),
        ("transformer-all-positions", ns["Transformer"](7, 5, 8, 2, 2, 2),
         torch.randint(0, 7, (6, 5), generator=gen), torch.randint(0, 7, (6, 5), generator=gen), "ce", plain),
        ("transformer-last-position", ns["Transformer"](7, 5, 8, 2, 2, 2),
         torch.randint(0, 7, (6, 5), generator=gen), torch.randint(0, 7, (6,), generator=gen), "ce", last_only),
    ]
    os.makedirs(args.out, exist_ok=True)
    for name, module, x, y, kind, forward in cases:
        arrays = golden(module, x, y, kind, forward)
        path = os.path.join(args.out, name + ".npz")
        np.savez_compressed(path, **{k: np.ascontiguousarray(a) for k, a in arrays.items()})
        ev = arrays["eigenvalues"]
        print("%-28s P=%5d loss %.6f  lambda_max %.6f  lambda_min %.6f  -> %s (%d bytes)" % (
            name, ev.size, arrays["loss"][0], ev[-1], ev[0], os.path.relpath(path, ROOT), os.path.getsize(path)))
    with open(os.path.join(args.out, "VERSIONS.txt"), "w", encoding="utf-8") as f:
        f.write("written by bench/python/make_goldens.py with torch %s, numpy %s, python %s\n" % (
            torch.__version__, np.__version__, platform.python_version()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
