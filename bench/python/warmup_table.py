#!/usr/bin/env python3
"""Summarises the runs of bench/run-warmup.sh (files ROUND-SIDE-VARIANT.jsonl in a folder; standard library only).

Per run, from the JSON lines of WarmupTimeline / warmup_peer.py:
  t20       seconds from process start to the end of the 20th gradient (start-up, imports, set-up included)
  steady    median time of one gradient over the second half of the run
  t_steady  seconds from process start to the start of the first gradient from which every gradient takes at most
            1.25 x steady (the time to reach steady state)
Per variant: the median over rounds of each, and the median over rounds of t20 / min(t20 of the peers in that round).

Usage: python3 bench/python/warmup_table.py DIR
"""
import glob
import json
import os
import statistics
import sys


def metrics(path):
    rows = [json.loads(l) for l in open(path) if l.startswith("{")]
    steps = [r for r in rows if r["step"] > 0]
    if len(steps) < 20:
        return None
    times = [r["seconds"] for r in steps]
    steady = statistics.median(times[len(times) // 2:])
    first = len(steps) - 1
    while first > 0 and times[first - 1] <= 1.25 * steady:
        first -= 1
    t_steady = steps[first]["since_start"] - steps[first]["seconds"]
    return {"t20": steps[19]["since_start"], "steady": steady, "t_steady": t_steady,
            "setup": rows[0]["since_start"], "version": rows[0].get("torch", "")}


def main():
    folder = sys.argv[1]
    runs = {}
    for f in sorted(glob.glob(os.path.join(folder, "*.jsonl"))):
        rnd, side = os.path.basename(f)[:-6].split("-", 1)
        m = metrics(f)
        if m is not None:
            runs.setdefault(side, {})[int(rnd)] = m
    peers = [s for s in runs if s.startswith("torch")]
    print("| process | t20 (s), per round | ratio t20 / faster peer (median) | to steady state (s) | steady per gradient (ms) | set-up before the 1st gradient (s) |")
    print("|---|---|---|---|---|---|")
    for side in sorted(runs, key=lambda s: (s.startswith("torch"), s)):
        by = runs[side]
        ratios = []
        for rnd, m in by.items():
            best = [runs[p][rnd]["t20"] for p in peers if rnd in runs[p]]
            if best:
                ratios.append(m["t20"] / min(best))
        name = side + (" (torch %s)" % next(iter(by.values()))["version"] if side.startswith("torch") else "")
        med = lambda k: statistics.median(m[k] for m in by.values())
        print("| %s | %s | %s | %.2f | %.0f | %.2f |" % (
            name, " / ".join("%.2f" % by[r]["t20"] for r in sorted(by)),
            ("%.2f (%s)" % (statistics.median(ratios), " / ".join("%.2f" % x for x in ratios))) if ratios and not side.startswith("torch") else "—",
            med("t_steady"), 1000 * med("steady"), med("setup")))


if __name__ == "__main__":
    main()
