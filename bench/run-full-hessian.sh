#!/usr/bin/env bash
# Full Hessian + all eigenvalues, P ~ 5-7k, f64, whole processes, interleaved, ROUNDS rounds (bench/README.md
# "Full Hessian and its eigenvalues"): `carnot spectrum --method full` (batched linearized HVPs with identity rows,
# in-place symmetrisation, LAPACK dsyevd_2stage) against bench/python/full_hessian_peer.py (torch.func.hessian, or
# vmap(jvp(grad)) in chunks of PEER_CHUNK directions, + torch.linalg.eigvalsh) under PyTorch 2.x (python3) and Debian
# PyTorch 1.13 (/usr/bin/python3, functorch), on the same weights and data:
#   mlp  MLP 40-60-40-5 tanh, N = 1000, MSE, P = 5,105
#   tf   Transformer vocab 12, context 12, d 16, 2 heads, 2 layers, 32 sequences, CE at every position, P = 6,880
# Each process runs under /usr/bin/time: wall, user + system CPU, peak RSS (ru_maxrss = VmHWM of the process: JVM
# heap, native buffers and all). The peer also reports its own VmHWM and its solve time; Carnot its wall_seconds
# (model built, npz loaded: the linearization, the products, the symmetrisation and the eigenvalues).
#   bench/run-full-hessian.sh [ROUNDS=3] [CASES="mlp tf"]
# carnot-base (`carnot spectrum --method lanczos --top 1` on the same problem: JVM, model, data, linearized operator
# and its products, no P x P matrix) gives the model's working set; the table sets Carnot's peak RSS above it
# against the Hessian's own size.
# Env: VARIANTS (default "carnot-base carnot torch-new torch-old"; also carnot-b16 = --batch 16, torch-new-all = func.hessian
# over all P directions at once: 14-19 GB here), PEER_CHUNK (default 256), THREADS (peers, 2), MEMORY (carnot --memory),
# OUT (default a temporary folder, kept).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
rounds="${1:-3}"
cases=(${2:-mlp tf})
variants=(${VARIANTS:-carnot-base carnot torch-new torch-old})
chunk="${PEER_CHUNK:-256}"
threads="${THREADS:-2}"
cd "$root"
./carnot --version >/dev/null 2>&1
out="${OUT:-$(mktemp -d /tmp/carnot-full-hessian.XXXXXX)}"
mkdir -p "$out"
[ -f "$out/tf_d.npz" ] || python3 bench/python/full_hessian_peer.py make "$out"
echo "full-hessian: $rounds rounds, cases ${cases[*]}, results in $out; $(uptime)" >&2
run() { # NAME CASE ROUND COMMAND...: appends {name, case, round, wall, cpu, maxrss_mb, load, json} to runs.jsonl
  local name="$1" c="$2" r="$3"; shift 3
  local tf="$out/$name-$c-$r.time" log="$out/$name-$c-$r.log" l0
  l0=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" >"$log" 2>&1 || echo "full-hessian: $name $c round $r failed (see $log)" >&2
  python3 - "$name" "$c" "$r" "$tf" "$l0" "$(cut -d' ' -f1 /proc/loadavg)" "$log" <<'PY' >>"$out/runs.jsonl"
import json, sys
name, c, r, tf, l0, l1, log = sys.argv[1:]
e, u, s, m = open(tf).read().split()[-4:]
lines = [l for l in open(log) if l.startswith("{")]
print(json.dumps(dict(name=name, case=c, round=int(r), wall=float(e), cpu=float(u) + float(s), maxrss_mb=int(m) / 1024,
                      load=[float(l0), float(l1)], json=json.loads(lines[-1]) if lines else None)))
PY
}
for r in $(seq 1 "$rounds"); do
  for c in "${cases[@]}"; do
    flags=($(python3 bench/python/full_hessian_peer.py flags "$out" "$c"))
    base=(./carnot spectrum "${flags[@]}" --dtype f64 --weights "$out/${c}_w.npz" --data "$out/${c}_d.npz" --json)
    spec=("${base[@]}" --method full --top 5 --bottom 3)
    for v in "${variants[@]}"; do
      case "$v" in
        carnot) run "$v" "$c" "$r" "${spec[@]}" ${MEMORY:+--memory "$MEMORY"} ;;
        carnot-base) run "$v" "$c" "$r" "${base[@]}" --method lanczos --top 1 --tol 1e-3 ;;
        carnot-b16) run "$v" "$c" "$r" "${spec[@]}" --batch 16 ;;
        torch-new) run "$v" "$c" "$r" python3 bench/python/full_hessian_peer.py solve "$out" "$c" --chunk "$chunk" --threads "$threads" ;;
        torch-new-all) run "$v" "$c" "$r" python3 bench/python/full_hessian_peer.py solve "$out" "$c" --threads "$threads" ;;
        torch-old) /usr/bin/python3 -c 'import torch, functorch' 2>/dev/null || continue
                   run "$v" "$c" "$r" /usr/bin/python3 bench/python/full_hessian_peer.py solve "$out" "$c" --chunk "$chunk" --threads "$threads" ;;
        *) echo "unknown variant $v" >&2; exit 2 ;;
      esac
    done
  done
  echo "full-hessian: round $r done; $(uptime)" >&2
done
python3 bench/python/full_hessian_table.py "$out"
