#!/usr/bin/env python3
"""Prints the tables of bench/run-eos.sh from its folder: per process wall, CPU and peak RSS per round, the median
over rounds of carnot / (faster peer of the same round), and the agreement of the loss and sharpness series.

Usage: python3 bench/python/eos_table.py OUT_DIR LR
"""
import json
import os
import statistics
import sys


def series(path):
    """(loss by step, sharpness by step, HVPs by step) from a Carnot metrics.jsonl or a peer's JSON line."""
    lines = [json.loads(l) for l in open(path) if l.startswith("{")]
    if lines and "step" in lines[0]:
        loss = {d["step"]: d["loss"] for d in lines}
        sharp = {d["step"]: d["sharpness"] for d in lines if "sharpness" in d}
        hvps = {d["step"]: d["hvps"] for d in lines if "hvps" in d}
        return loss, sharp, hvps
    d = lines[-1]
    return ({i: v for i, v in enumerate(d["loss"])}, {int(k): v for k, v in d["sharpness"].items()},
            {int(k): v for k, v in d["hvps"].items()})


def main():
    folder, lr = sys.argv[1], float(sys.argv[2])
    runs = [json.loads(l) for l in open(os.path.join(folder, "runs.jsonl"))]
    for d in runs:
        d["loss"], d["sharp"], d["hvps"] = series(d["result"])
    names = list(dict.fromkeys(d["name"] for d in runs))
    peers = [n for n in names if n.startswith("torch")]
    fmt = lambda xs: ("%.2f (%s)" % (statistics.median(xs), " / ".join("%.2f" % x for x in xs))) if xs else "-"
    print("| process | wall s, per round | CPU s, per round | peak RSS MB | HVPs (sharpness) | wall / faster peer wall (median) | CPU / faster peer CPU (median) | load (start-end) |")
    print("|---|---|---|---|---|---|---|---|")
    for n in names:
        mine = sorted((d for d in runs if d["name"] == n), key=lambda d: d["round"])
        wr, cr = [], []
        for d in mine:
            other = [e for e in runs if e["name"] in peers and e["round"] == d["round"]]
            if other and n not in peers:
                wr.append(d["wall"] / min(e["wall"] for e in other))
                cr.append(d["cpu"] / min(e["cpu"] for e in other))
        print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            n, " / ".join("%.1f" % d["wall"] for d in mine), " / ".join("%.1f" % d["cpu"] for d in mine),
            " / ".join("%.0f" % d["maxrss_mb"] for d in mine), " / ".join(str(sum(d["hvps"].values())) for d in mine),
            fmt(wr), fmt(cr), " ; ".join("%.1f-%.1f" % tuple(d["load"]) for d in mine)))
    ref = next(d for d in runs if d["name"] == "carnot")
    steps = max(ref["loss"])
    crossing = next((t for t in sorted(ref["sharp"]) if ref["sharp"][t] >= 2 / lr), None)
    marks = sorted({0, 100, steps // 2, steps} & set(ref["loss"]))
    print()
    print("Agreement with carnot round %d (sharpness first >= 2/eta = %.4g at step %s):" % (ref["round"], 2 / lr, crossing))
    print()
    print("| run | %s | sharpness max rel. diff, steps < %s | over all steps | sharpness at %s |" % (
        " | ".join("loss at %d" % t for t in marks), crossing, ", ".join(str(t) for t in marks)))
    print("|---|%s---|---|---|" % ("---|" * len(marks)))
    for d in runs:
        common = sorted(set(d["sharp"]) & set(ref["sharp"]))
        rel = {t: abs(d["sharp"][t] - ref["sharp"][t]) / abs(ref["sharp"][t]) for t in common}
        early = [rel[t] for t in common if crossing is None or t < crossing]
        print("| %s %d | %s | %s | %s | %s |" % (
            d["name"], d["round"], " | ".join("%.7g" % d["loss"].get(t, float("nan")) for t in marks),
            "%.1e" % max(early) if early else "-", "%.1e" % max(rel.values()) if rel else "-",
            ", ".join("%.5g" % d["sharp"].get(t, float("nan")) for t in marks)))


if __name__ == "__main__":
    main()
