#!/usr/bin/env python3
"""The whole-process peer of `carnot train` on the edge-of-stability reference protocol (bench/run-eos.sh): what a
researcher writes in PyTorch. MLP 784-200-200-10 tanh with biases, mse = (1/N) sum_i 1/2 ||f(x_i) - y_i||^2 on
one-hot targets, full-batch GD with rate LR for STEPS steps, f32 weights and arithmetic; every EVERY steps (and at
step 0 and the last) the sharpness (top Hessian eigenvalue) by scipy.sparse.linalg.eigsh(k=1, which='LA', tol=TOL)
on Hessian-vector products (double backward through a create_graph gradient built once per measurement, the
fastest PyTorch HVP for repeated products; see bench/README.md "Autodiff"), warm-started with v0 = the previous
measurement's eigenvector. Step t evaluates loss and gradient at w_t, measures, records, then updates (as
carnot.science.train.Trainer); the record at step STEPS is the final loss.

  make DIR [SEED]   writes DIR/w.npz: weights N(0, (0.57735)^2 / fan_in) (the std of PyTorch's default uniform
                    init, Carnot's --init-scale 0.57735), biases 0, f32, Carnot's parameter names
  run DIR D.npz LR STEPS EVERY TOL
                    loads DIR/w.npz and D.npz (x, integer labels y: `carnot data export`), trains, prints one
                    JSON line: loss per step, sharpness per measured step, HVPs per measurement, seconds (the loop),
                    cpu_seconds, vmhwm_mb, torch version

Usage: python3 bench/python/eos_peer.py make|run ... [--threads 2]
"""
import json
import os
import sys
import time

import numpy as np
import scipy.sparse.linalg as sla
import torch

WIDTHS = [784, 200, 200, 10]


def names():
    out = []
    for i in range(len(WIDTHS) - 1):
        out += ["layers.%d.weight" % i, "layers.%d.bias" % i]
    return out


def make(folder, seed):
    rng = np.random.default_rng(seed)
    w = {}
    for i in range(len(WIDTHS) - 1):
        fan_in, fan_out = WIDTHS[i], WIDTHS[i + 1]
        w["layers.%d.weight" % i] = (0.57735 * rng.standard_normal((fan_out, fan_in)) / np.sqrt(fan_in)).astype(np.float32)
        w["layers.%d.bias" % i] = np.zeros(fan_out, np.float32)
    os.makedirs(folder, exist_ok=True)
    np.savez(os.path.join(folder, "w.npz"), **w)


def loss_of(params, x, y):
    h = x
    nl = len(params) // 2
    for i in range(nl):
        h = torch.nn.functional.linear(h, params[2 * i], params[2 * i + 1])
        if i < nl - 1:
            h = torch.tanh(h)
    return 0.5 * ((h - y) ** 2).sum() / x.shape[0]


def vmhwm_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def sharpness(params, x, y, tol, v0):
    """Top Hessian eigenvalue at params; returns (lambda, eigenvector, HVPs, gradient, loss)."""
    loss = loss_of(params, x, y)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    shapes = [p.shape for p in params]
    sizes = [p.numel() for p in params]
    dim = sum(sizes)
    count = [0]

    def hvp(v):
        parts = torch.split(torch.from_numpy(np.asarray(v, dtype=np.float32).reshape(-1).copy()), sizes)
        hv = torch.autograd.grad(grads, params, grad_outputs=[p.reshape(s) for p, s in zip(parts, shapes)],
                                 retain_graph=True)
        count[0] += 1
        return torch.cat([h.reshape(-1) for h in hv]).numpy()

    op = sla.LinearOperator((dim, dim), matvec=hvp, dtype=np.float32)
    vals, vecs = sla.eigsh(op, k=1, which="LA", tol=tol, v0=v0)
    return float(vals[0]), vecs[:, 0].copy(), count[0], [g.detach() for g in grads], loss.detach()


def run(folder, data, lr, steps, every, tol):
    w = dict(np.load(os.path.join(folder, "w.npz")))
    d = np.load(data)
    x = torch.from_numpy(d["x"].astype(np.float32))
    labels = torch.from_numpy(d["y"].astype(np.int64))
    y = torch.nn.functional.one_hot(labels, WIDTHS[-1]).to(torch.float32)
    params = [torch.tensor(w[n], requires_grad=True) for n in names()]
    losses, sharp, hvps = [], {}, {}
    v0 = np.random.default_rng(0).standard_normal(sum(p.numel() for p in params)).astype(np.float32)
    t0, c0 = time.perf_counter(), time.process_time()
    for t in range(steps + 1):
        if t % every == 0 or t == steps:
            lam, v0, count, grads, loss = sharpness(params, x, y, tol, v0)
            sharp[t], hvps[t] = lam, count
        else:
            loss = loss_of(params, x, y)
            grads = torch.autograd.grad(loss, params)
        losses.append(float(loss.detach()))
        if not np.isfinite(losses[-1]):
            break
        if t < steps:
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p.sub_(lr * g)
    print(json.dumps({"loss": losses, "sharpness": sharp, "hvps": hvps, "seconds": time.perf_counter() - t0,
                      "cpu_seconds": time.process_time() - c0, "vmhwm_mb": vmhwm_mb(), "torch": torch.__version__,
                      "threads": torch.get_num_threads(), "tol": tol}))


def main():
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    torch.set_num_threads(threads)
    mode = sys.argv[1]
    if mode == "make":
        make(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3].isdigit() else 0)
    else:
        run(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]))


if __name__ == "__main__":
    main()
