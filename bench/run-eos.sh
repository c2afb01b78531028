#!/usr/bin/env bash
# A whole edge-of-stability run, `carnot train` against a PyTorch + scipy peer, whole processes, interleaved, ROUNDS
# rounds (bench/README.md "A whole EoS run"). The reference protocol: MLP 784-200-200-10 tanh with biases, the first
# 5,000 Fashion-MNIST training images standardized per pixel (`carnot data export`, read by both sides), mse on
# one-hot targets, f32 weights and arithmetic on both sides (Carnot --master model), the same initial weights
# (bench/python/eos_peer.py make: N(0, 0.57735^2/fan_in), biases 0), GD at eta = 2/30 for STEPS steps, sharpness
# every EVERY steps:
#   carnot     ./carnot train ... --observe sharpness:EVERY --eig-tol TOL_C   (warm-started Lanczos, residual rule)
#   torch-new  python3 bench/python/eos_peer.py run ... TOL_P                 (PyTorch 2.x, eigsh on double-backward
#   torch-old  the same under /usr/bin/python3 (Debian PyTorch 1.13)           HVPs, v0 = the last eigenvector)
# Each process runs under /usr/bin/time: wall, user + system CPU and peak RSS (ru_maxrss = VmHWM) of the process.
# The table: per process the times per round, the median over rounds of (carnot / faster peer of the same round),
# and the agreement of the runs (loss at a few steps, max relative difference of the sharpness series overall and
# before the sharpness first reaches 2/eta, where GD becomes chaotic and f32 rounding differences grow).
#   bench/run-eos.sh [ROUNDS=3] [STEPS=1000] [EVERY=50] [TOL_C=1e-3] [TOL_P=1e-4]
# Env: VARIANTS (default "carnot torch-new torch-old"), OUT (default a temporary folder, kept), THREADS (peers, 2),
# FIRST_ROUND (default 1: with an OUT of an earlier run, continues it at that round).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
rounds="${1:-3}"; steps="${2:-1000}"; every="${3:-50}"; tol_c="${4:-1e-3}"; tol_p="${5:-1e-4}"
lr=0.06666666666666667
variants=(${VARIANTS:-carnot torch-new torch-old})
threads="${THREADS:-2}"
cd "$root"
./carnot --version >/dev/null 2>&1 || ./carnot --help >/dev/null   # builds if needed before timing anything
out="${OUT:-$(mktemp -d /tmp/carnot-eos.XXXXXX)}"
mkdir -p "$out"
./carnot data fetch fashion-mnist >&2
[ -f "$out/d.npz" ] || ./carnot data export --dataset fashion-mnist --samples 5000 --standardize --widths 784,200,200,10 \
  --out "$out/d.npz" >&2
[ -f "$out/w.npz" ] || python3 bench/python/eos_peer.py make "$out"
echo "eos: $rounds rounds, $steps steps, sharpness every $every, results in $out; $(uptime)" >&2
run() { # NAME ROUND COMMAND...: appends {name, round, wall, cpu, maxrss_mb, load, result file} to runs.jsonl
  local name="$1" r="$2"; shift 2
  local res="$out/$name-$r.json" tf="$out/$name-$r.time" l0
  l0=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" >"$out/$name-$r.log" 2>&1
  python3 - "$name" "$r" "$tf" "$l0" "$(cut -d' ' -f1 /proc/loadavg)" "$res" <<'PY' >>"$out/runs.jsonl"
import json, sys
name, r, tf, l0, l1, res = sys.argv[1:]
e, u, s, m = open(tf).read().split()[-4:]
print(json.dumps(dict(name=name, round=int(r), wall=float(e), cpu=float(u) + float(s), maxrss_mb=int(m) / 1024,
                      load=[float(l0), float(l1)], result=res)))
PY
}
for r in $(seq "${FIRST_ROUND:-1}" "$rounds"); do
  for v in "${variants[@]}"; do
    case "$v" in
      carnot)
        run "$v" "$r" ./carnot train --model mlp --widths 784,200,200,10 --act tanh --data "$out/d.npz" \
          --weights "$out/w.npz" --loss mse --dtype f32 --master model --lr "$lr" --steps "$steps" \
          --observe "sharpness:$every" --eig-tol "$tol_c" --print-every "$steps" --out "$out/run-carnot-$r" --overwrite
        cp "$out/run-carnot-$r/metrics.jsonl" "$out/$v-$r.json" ;;
      torch-new) run "$v" "$r" python3 bench/python/eos_peer.py run "$out" "$out/d.npz" "$lr" "$steps" "$every" "$tol_p" \
                   --threads "$threads"
                 grep '^{' "$out/$v-$r.log" | tail -n 1 >"$out/$v-$r.json" ;;
      torch-old) /usr/bin/python3 -c 'import torch, scipy' 2>/dev/null || continue
                 run "$v" "$r" /usr/bin/python3 bench/python/eos_peer.py run "$out" "$out/d.npz" "$lr" "$steps" "$every" \
                   "$tol_p" --threads "$threads"
                 grep '^{' "$out/$v-$r.log" | tail -n 1 >"$out/$v-$r.json" ;;
      *) echo "unknown variant $v" >&2; exit 2 ;;
    esac
  done
  echo "eos: round $r done; $(uptime)" >&2
done
python3 bench/python/eos_table.py "$out" "$lr"
