#!/usr/bin/env python3
"""The peer of carnot.bench.warmup.WarmupTimeline: COUNT full-batch gradients of the same problem in a fresh Python
process (torch import included), one JSON line per step with the seconds since the process started (from /proc).

  transformer  models/README.md's Transformer(vocab 64, ctx 64, d 128, 4 heads, 2 layers, ratio 4), batch 32,
               f32, cross-entropy at every position: loss + torch.autograd.grad
  mlp          784-512-512-512-10 tanh, N = 5000, f32, MSE on one-hot targets: gradient + one HVP per step
               (double backward through a create_graph gradient)

Usage: python3 bench/python/warmup_peer.py transformer|mlp COUNT [--threads 2]
"""
import os
import sys
import time


def since_start():
    """Seconds since this process started: /proc/self/stat starttime (clock ticks after boot) vs /proc/uptime."""
    with open("/proc/self/stat") as f:
        start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as f:
        up = float(f.read().split()[0])
    return up - start_ticks / os.sysconf("SC_CLK_TCK")


def main():
    case, count = sys.argv[1], int(sys.argv[2])
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    import torch
    torch.set_num_threads(threads)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    torch.manual_seed(1)
    if case == "transformer":
        from parity import documented_modules
        model = documented_modules()["Transformer"](64, 64, 128, 4, 2, 4)
        gen = torch.Generator().manual_seed(3)
        x = torch.randint(0, 64, (32, 64), generator=gen)
        y = torch.randint(0, 64, (32, 64), generator=gen)
        params = list(model.parameters())

        def step():
            loss = torch.nn.functional.cross_entropy(model(x), y.reshape(-1))
            g = torch.autograd.grad(loss, params)
            return loss.item() + g[0][0, 0].item()
    elif case == "mlp":
        widths, n = [784, 512, 512, 512, 10], 5000
        layers = []
        for i in range(len(widths) - 1):
            layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
            if i < len(widths) - 2:
                layers.append(torch.nn.Tanh())
        model = torch.nn.Sequential(*layers)
        x = torch.randn(n, 784)
        y = torch.zeros(n, 10)
        y[torch.arange(n), (torch.arange(n) * 7919) % 10] = 1
        params = list(model.parameters())
        v = [torch.randn_like(p) for p in params]

        def step():
            loss = 0.5 * ((model(x) - y) ** 2).sum() / n
            g = torch.autograd.grad(loss, params, create_graph=True)
            hv = torch.autograd.grad(g, params, grad_outputs=v)
            return loss.item() + hv[0][0, 0].item()
    else:
        sys.exit("usage: warmup_peer.py transformer|mlp COUNT; given " + " ".join(sys.argv[1:]))
    print('{"case":"%s","step":0,"since_start":%.4f,"torch":"%s"}' % (case, since_start(), torch.__version__),
          flush=True)
    for s in range(1, count + 1):
        t0 = time.perf_counter()
        value = step()
        print('{"case":"%s","step":%d,"seconds":%.5f,"since_start":%.4f,"value":%.6g}'
              % (case, s, time.perf_counter() - t0, since_start(), value), flush=True)


if __name__ == "__main__":
    main()
