#!/usr/bin/env python3
"""Prints the table of bench/run-full-hessian.sh from its folder: per case and process the wall, CPU and peak RSS
per round, the solve time the process reports, the median over rounds of carnot / (faster peer of the same round)
for wall and CPU, peak RSS against the Hessian's own size, and the top/bottom eigenvalues' max relative difference
to the first carnot run.

Usage: python3 bench/python/full_hessian_table.py OUT_DIR
"""
import json
import os
import statistics
import sys


def ev(x):
    """Top 5 then bottom 3 eigenvalues of a Carnot or peer JSON (a Lanczos top-1 run has one)."""
    b = x.get("bottom", [])
    b = b["eigenvalues"] if isinstance(b, dict) else b
    return list(x["eigenvalues"][:5]) + list(b[:3])


def main():
    folder = sys.argv[1]
    runs = [json.loads(l) for l in open(os.path.join(folder, "runs.jsonl"))]
    fmt = lambda xs: ("%.2f (%s)" % (statistics.median(xs), " / ".join("%.2f" % x for x in xs))) if xs else "-"
    for c in dict.fromkeys(d["case"] for d in runs):
        mine_c = [d for d in runs if d["case"] == c and d["json"]]
        names = list(dict.fromkeys(d["name"] for d in mine_c))
        peers = [n for n in names if n.startswith("torch")]
        ref = next((d["json"] for d in mine_c if d["name"] == "carnot"), None)
        base = {d["round"]: d["maxrss_mb"] for d in mine_c if d["name"] == "carnot-base"}
        dim = (ref or mine_c[0]["json"])["dim"]
        hmb = dim * dim * 8 / 2 ** 20
        print("\n%s: P = %d, the Hessian in f64 = %.0f MB\n" % (c, dim, hmb))
        print("| process | wall s, per round | solve s (reported) | CPU s | peak RSS MB (x Hessian) | batch / method |"
              " above carnot-base MB (x Hessian) | wall / faster peer (median) | CPU / faster peer (median) |"
              " eigenvalues vs carnot | load |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for n in names:
            mine = sorted((d for d in mine_c if d["name"] == n), key=lambda d: d["round"])
            wr, cr = [], []
            for d in mine:
                other = [e for e in mine_c if e["name"] in peers and e["round"] == d["round"]]
                if other and n not in peers and n != "carnot-base":
                    wr.append(d["wall"] / min(e["wall"] for e in other))
                    cr.append(d["cpu"] / min(e["cpu"] for e in other))
            j = mine[0]["json"]
            diff = max(abs(a - b) / abs(b) for a, b in zip(ev(j), ev(ref))) if ref else float("nan")
            above = " / ".join("%.0f (%.2f)" % (d["maxrss_mb"] - base[d["round"]], (d["maxrss_mb"] - base[d["round"]]) / hmb)
                               for d in mine if d["round"] in base) if n.startswith("carnot") and n != "carnot-base" else "-"
            print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1e | %s |" % (
                n, " / ".join("%.1f" % d["wall"] for d in mine),
                " / ".join("%.1f" % d["json"].get("wall_seconds", d["json"].get("solve_seconds", 0)) for d in mine),
                " / ".join("%.1f" % d["cpu"] for d in mine),
                " / ".join("%.0f (%.1f)" % (d["maxrss_mb"], d["maxrss_mb"] / hmb) for d in mine),
                j.get("batch", j.get("method")), above, fmt(wr), fmt(cr), diff,
                " ; ".join("%.1f-%.1f" % tuple(d["load"]) for d in mine)))


if __name__ == "__main__":
    main()
