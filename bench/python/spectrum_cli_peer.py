#!/usr/bin/env python3
"""The whole-process peer of `carnot spectrum` for the top-1 case of bench/python/spectra_peer.py (MLP
784-512-512-512-10 tanh, N = 5000, f32, MSE): PyTorch HVPs (double backward through a retained create_graph
gradient) driven by scipy.sparse.linalg.eigsh(k=1, which='LA', tol=TOL), in a fresh process (imports included).

  make DIR        writes DIR/w.npz (weights, Carnot's names) and DIR/d.npz (x, y): the problem both sides load
  solve DIR TOL   loads them, solves, prints one JSON line: lambda, hvps, solve_seconds (the solve alone, as in a
                  warm process: graph building + eigsh), torch version

Usage: python3 bench/python/spectrum_cli_peer.py make|solve DIR [TOL] [--threads 2]   (run by bench/run-spectrum-cli.sh)
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402
from spectra_peer import eigsh_top, make_problem, save_npz  # noqa: E402

WIDTHS = [784, 512, 512, 512, 10]


def main():
    mode, folder = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    torch.set_num_threads(threads)
    if mode == "make":
        w, x, y = make_problem(WIDTHS, 5000, np.float32, 1)
        save_npz(os.path.join(folder, "w.npz"), w)
        save_npz(os.path.join(folder, "d.npz"), {"x": x, "y": y})
        return
    w = dict(np.load(os.path.join(folder, "w.npz")))
    d = np.load(os.path.join(folder, "d.npz"))
    vals, _, hvps, sec = eigsh_top(w, WIDTHS, d["x"], d["y"], 1, float(sys.argv[3]))
    print(json.dumps({"lambda": float(vals[0]), "hvps": hvps, "solve_seconds": sec, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
