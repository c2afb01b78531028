#!/usr/bin/env python3
"""Table of bench/run-transformer-shapes.sh's log: per shape and phase, each side's median (over rounds) of its
per-process medians in CPU ms (one thread: the calling thread's CPU, without the JIT and GC threads; more threads:
the process's CPU, all threads), Carnot's ratio to the faster PyTorch of the same
round (median over rounds, and the rounds), the spread of Carnot's per-round medians around their median, each side's peak resident set, and each
side's gradient rate (the gradient's GEMM FLOPs per CPU second) as a fraction of its own f32 GEMM rate.

Usage: python3 bench/python/shapes_table.py LOG
"""
import re
import statistics
import sys

PHASE = re.compile(r"(\d+) (\S+) (\S+) (gradient|hvp) threads=(\d+) n=\d+ process_cpu_ms ([\d.]+) thread_cpu_ms ([\d.]+)")
GEMM = re.compile(r"(\d+) (\S+) (\S+) gemm .* gflop_per_cpu_s ([\d.]+) gflop_per_thread_cpu_s ([\d.]+)")
MEMORY = re.compile(r"(\d+) (\S+) (\S+) memory peak_rss_mb ([\d.]+)")
SHAPE = re.compile(r"(\d+) (\S+) carnot\S* shape .* gradient_gemm_gflop ([\d.]+)")


def main(path):
    times, gemm, flops, rss, one = {}, {}, {}, {}, False
    for line in open(path, encoding="utf-8"):
        m = PHASE.match(line)
        if m:
            one = m.group(5) == "1"
            r, shape, side, phase = m.group(1), m.group(2), m.group(3), m.group(4)
            cpu = float(m.group(7) if one else m.group(6))
            times.setdefault((shape, phase), {}).setdefault(side, {})[int(r)] = cpu
            continue
        m = GEMM.match(line)
        if m:
            gemm.setdefault(m.group(2), {}).setdefault(m.group(3), []).append(float(m.group(5) if one else m.group(4)))
            continue
        m = MEMORY.match(line)
        if m:
            rss.setdefault(m.group(2), {}).setdefault(m.group(3), []).append(float(m.group(4)))
            continue
        m = SHAPE.match(line)
        if m:
            flops[m.group(2)] = float(m.group(3))
    print("| shape d:context:batch | phase | Carnot side | Carnot CPU ms | PyTorch 2 | PyTorch 1.13 | Carnot / faster"
          " PyTorch: median (rounds) | Carnot spread | gradient / own GEMM rate: Carnot, PyTorch 2, 1.13 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (shape, phase), sides in sorted(times.items(), key=lambda kv: (int(kv[0][0].split(":")[0]), kv[0][1])):
        med = {s: statistics.median(v.values()) for s, v in sides.items()}
        for side in sorted(s for s in sides if s.startswith("carnot")):
            c = sides[side]
            ratios = []
            for r, t in sorted(c.items()):
                peers = [sides[p][r] for p in ("torch-new", "torch-old") if r in sides.get(p, {})]
                if peers:
                    ratios.append(t / min(peers))
            spread = ""
            if len(c) > 1:
                spread = "%+.0f / %+.0f %%" % (100 * (min(c.values()) / med[side] - 1),
                                               100 * (max(c.values()) / med[side] - 1))
            frac = ""
            if phase == "gradient" and shape in flops:
                parts = []
                for s in (side, "torch-new", "torch-old"):
                    if s in med and s in gemm.get(shape, {}):
                        rate = flops[shape] / (med[s] / 1e3)
                        parts.append("%.0f %%" % (100 * rate / statistics.median(gemm[shape][s])))
                    else:
                        parts.append("-")
                frac = ", ".join(parts)
            print("| %s | %s | %s | %.1f | %s | %s | **%s** (%s) | %s | %s |" % (
                shape, phase, side, med[side],
                "%.1f" % med["torch-new"] if "torch-new" in med else "-",
                "%.1f" % med["torch-old"] if "torch-old" in med else "-",
                "%.2f" % statistics.median(ratios) if ratios else "-", " / ".join("%.2f" % x for x in ratios),
                spread, frac))
    for shape in sorted(rss, key=lambda s: int(s.split(":")[0])):
        print("Peak RSS %s (MB, median of rounds): %s" % (shape, ", ".join(
            "%s %.0f" % (s, statistics.median(v)) for s, v in sorted(rss[shape].items()))))
    for shape in sorted(gemm, key=lambda s: int(s.split(":")[0])):
        print("GEMM rate %s (GFLOP per CPU s, median of rounds): %s" % (shape, ", ".join(
            "%s %.1f" % (s, statistics.median(v)) for s, v in sorted(gemm[shape].items()))))


if __name__ == "__main__":
    main(sys.argv[1])
