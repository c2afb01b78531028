"""Table of an A/B log written by bench/run-transformer-ab.sh: per case and measure, the median over rounds of
each side's figure and the median of the per-round B/A ratios. Usage: python3 bench/python/ab_table.py LOG"""
import re, statistics as st, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r'(\d+) ([ABP]) (gradient|hvp) threads=\d+ n=\d+ process_cpu_ms ([\d.]+) thread_cpu_ms ([\d.]+) wall_ms ([\d.]+)', line)
    if m:
        r, s, what = int(m[1]), m[2], m[3]
        for k, v in zip(('process_cpu', 'thread_cpu', 'wall'), (m[4], m[5], m[6])):
            rows.setdefault((what, k), {}).setdefault(r, {})[s] = float(v)
    m = re.match(r'(\d+) ([AB]) jmh GradHvpBench\.(\S+)\s+(\S+)\s+(\d+)\s+avgt\s+\d+\s+([\d.]+)', line)
    if m:
        rows.setdefault((f'MLP JMH {m[3]} {m[4]} {m[5]} thr', 'wall'), {}).setdefault(int(m[1]), {})[m[2]] = float(m[6])
    m = re.match(r'(\d+) ([AB]) cpu1 (\S+) (\S+) (\S+) ([\d.]+)(\s|$)', line)
    if m:
        rows.setdefault((f'MLP {m[3]} {m[4]} {m[5]}', 'thread_cpu 1 thr'), {}).setdefault(int(m[1]), {})[m[2]] = float(m[6])
    m = re.match(r'(\d+) ([AB]) hash (\S+)', line)
    if m:
        rows.setdefault(('hash', ''), {}).setdefault(int(m[1]), {})[m[2]] = m[3]
print('| case | measure | A median ms | B median ms | B/A median of per-round ratios | per-round B/A | PyTorch median ms | B/PyTorch |')
print('|---|---|---|---|---|---|---|---|')
def peer(both):
    withp = [d for d in both if 'P' in d]
    if not withp:
        return '- | -'
    return f"{st.median(d['P'] for d in withp):.2f} | {st.median(d['B'] / d['P'] for d in withp):.3f}"


for (what, k), per in rows.items():
    if what == 'hash':
        hs = {v for d in per.values() for v in d.values()}
        print(f'hashes: {sorted(hs)} ({"identical" if len(hs) == 1 else "DIFFER"})')
        continue
    both = [d for d in per.values() if 'A' in d and 'B' in d]
    ratios = [d['B'] / d['A'] for d in both]
    if not ratios:
        continue
    print(f"| {what} | {k} | {st.median(d['A'] for d in both):.2f} | {st.median(d['B'] for d in both):.2f} | "
          f"**{st.median(ratios):.3f}** | {' '.join(f'{x:.3f}' for x in ratios)} | {peer(both)} |")
