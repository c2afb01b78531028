#!/usr/bin/env python3
"""Tables of the logs of bench/run-deep-linear.sh and bench/run-threads.sh. Log lines:
"ROUND SIDE THREADS case dtype what MS process_cpu_ms P wall_ms W" (AutodiffCpuTime, autodiff_peer.py) and
"ROUND SIDE THREADS gradient|hvp threads=T n=N process_cpu_ms P thread_cpu_ms C wall_ms W ..."
(TransformerSteadyCpuTime, transformer_steady_peer.py), SIDE = carnot, torch-new or torch-old.

Prints (1) Carnot against the faster peer per case and thread count: one thread by the calling thread's CPU time,
more by wall clock and by process CPU (the work all threads spent, robust to other processes' time slices); the peer's HVP is its faster method (hvp_double_backward, hvp_jvp_grad); ratio = median over
rounds of the per-round ratio; (2) 1 -> 2 thread efficiency t1 / (2 t2) by wall clock per side, per round, median,
and the work proxies: process CPU (all threads) and, for Carnot, compute-thread CPU (calling thread + kernel pool,
without JIT and GC threads) on 2 threads over the calling thread's CPU on 1 (1.00: going parallel adds no work).

Usage: python3 bench/python/threads_table.py LOG
"""
import re
import statistics as st
import sys

AUTODIFF = re.compile(r"(\d+) (\S+) (\d+) (\S+) (\S+) (\S+) ([\d.]+) process_cpu_ms ([\d.]+) wall_ms ([\d.]+)"
                      r"(?: compute_cpu_ms ([\d.]+))?")
STEADY = re.compile(r"(\d+) (\S+) (\d+) (gradient|hvp) threads=\d+ n=\d+ process_cpu_ms ([\d.]+) thread_cpu_ms ([\d.]+)"
                    r" wall_ms ([\d.]+)(?: compute_cpu_ms ([\d.]+))?")


def parse(path):
    rows = {}  # (case, what) -> side -> threads -> round -> (thread_cpu, process_cpu, wall, compute_cpu)
    for line in open(path):
        m = AUTODIFF.match(line)
        if m:
            r, side, t, case, dt, what = int(m[1]), m[2], int(m[3]), m[4], m[5], m[6]
            vals = (float(m[7]), float(m[8]), float(m[9]), float(m[10]) if m[10] else float("nan"))
            if what.startswith("hvp_double_backward") or what.startswith("hvp_jvp_grad"):
                what = "hvp"
            elif what in ("hvp_linearized", "hvp_retained_graph"):
                what = "repeated hvp (linearized / retained graph)"
            key = ("%s %s" % (case, dt), what)
        else:
            m = STEADY.match(line)
            if not m:
                continue
            r, side, t, what = int(m[1]), m[2], int(m[3]), m[4]
            vals = (float(m[6]), float(m[5]), float(m[7]), float(m[8]) if m[8] else float("nan"))
            key = ("transformer f32", what)
        per = rows.setdefault(key, {}).setdefault(side, {}).setdefault(t, {})
        # the peer's HVP: the faster method of the round (by the clock that rates it)
        if r in per:
            k = 0 if t == 1 else 2
            if vals[k] >= per[r][k]:
                continue
        per[r] = vals
    return rows


def med(xs):
    return st.median(xs) if xs else float("nan")


def main():
    rows = parse(sys.argv[1])
    print("| case | what | threads | clock | Carnot ms | PyTorch 2 ms | PyTorch 1.13 ms | Carnot / faster peer, median (rounds) |")
    print("|---|---|---|---|---|---|---|---|")
    for (case, what), sides in rows.items():
        for t, k, clock in sorted(((t, k, c) for t in sides.get("carnot", {})
                                   for k, c in ([(0, "thread CPU")] if t == 1 else [(2, "wall"), (1, "process CPU")]))):
            c = sides["carnot"][t]
            peers = [sides[p][t] for p in ("torch-new", "torch-old") if p in sides and t in sides[p]]
            ratios = [c[r][k] / min(p[r][k] for p in peers if r in p) for r in c if any(r in p for p in peers)]
            cell = lambda s: "%.1f" % med([v[k] for v in sides[s][t].values()]) if s in sides and t in sides[s] else "-"
            if not ratios:
                continue
            print("| %s | %s | %d | %s | %.1f | %s | %s | **%.2f** (%s) |" % (
                case, what, t, clock, med([v[k] for v in c.values()]), cell("torch-new"), cell("torch-old"),
                med(ratios), " / ".join("%.2f" % x for x in ratios)))
    print()
    print("| case | what | side | wall 1 thr ms | wall 2 thr ms | efficiency t1/(2 t2), median (rounds) | process CPU 2 thr / thread CPU 1 thr | compute-thread CPU 2 thr / thread CPU 1 thr |")
    print("|---|---|---|---|---|---|---|---|")
    for (case, what), sides in rows.items():
        for side, per in sides.items():
            if 1 not in per or 2 not in per:
                continue
            common = sorted(set(per[1]) & set(per[2]))
            eff = [per[1][r][2] / (2 * per[2][r][2]) for r in common]
            work = [per[2][r][1] / per[1][r][0] for r in common]
            compute = [per[2][r][3] / per[1][r][0] for r in common if per[2][r][3] == per[2][r][3]]
            print("| %s | %s | %s | %.1f | %.1f | **%.0f %%** (%s) | %.2f | %s |" % (
                case, what, side, med([per[1][r][2] for r in common]), med([per[2][r][2] for r in common]),
                100 * med(eff), " / ".join("%.0f" % (100 * e) for e in eff), med(work),
                "%.2f (%s)" % (med(compute), " / ".join("%.2f" % x for x in compute)) if compute else "-"))


if __name__ == "__main__":
    main()
