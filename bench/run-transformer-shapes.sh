#!/usr/bin/env bash
# Transformer steady state at several shapes against PyTorch (bench/README.md "Transformer at larger shapes"):
# carnot.bench.engine.TransformerSteadyCpuTime and bench/python/transformer_steady_peer.py (PyTorch 2.x as python3,
# Debian's 1.13 as /usr/bin/python3) as fresh processes, interleaved per shape and round, every BLAS pinned to
# THREADS. Each process does GRADS gradients then HVPS Hessian-vector products (double backward on the PyTorch side)
# and reports medians over each phase's second half, plus its own f32 GEMM rate on the model's largest product.
# bench/python/shapes_table.py prints the table: CPU time ratios to the faster PyTorch (per round, median), the
# spread of Carnot's per-round medians, and each side's gradient rate as a fraction of its own GEMM rate.
#   bench/run-transformer-shapes.sh [ROUNDS=3] [THREADS=1]
# Env: SHAPES (default "128:64:32:120:40 256:256:8:40:16 512:256:8:16:8", each d:context:batch:grads:hvps; vocab 64,
# 4 heads, 2 layers, MLP ratio 4), ATTENTION (default "default": the CPU model's decomposed attention; "default fused"
# also runs Carnot with the fused attention kernels, as side carnot-fused), SKIP_BUILD=1, OUT (log folder).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
rounds="${1:-3}"; threads="${2:-1}"
shapes="${SHAPES:-128:64:32:120:40 256:256:8:40:16 512:256:8:16:8}"
jdk="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cd "$root"
[ -n "${SKIP_BUILD:-}" ] || JAVA_HOME="$jdk" mvn -B -q -o -DskipTests -Dcarnot.cuda.skip=true -pl bench -am package >&2
out="${OUT:-$(mktemp -d /tmp/carnot-shapes.XXXXXX)}"
mkdir -p "$out"
log="$out/log.txt"
java=("$jdk/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -XX:MaxNewSize=128m
  -Xlog:disable -Xlog:all=warning:stderr -cp "bench/target/classes:$(cat bench/target/classpath.txt)")
pin() { OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" "$@"; }
echo "# shapes: $rounds rounds, $threads threads, $shapes; $(date -u '+%F %H:%M') UTC; $(uptime);" \
  "$(grep -m1 'model name' /proc/cpuinfo); $("$jdk/bin/java" -version 2>&1 | head -1)" | tee "$log"
for r in $(seq 1 "$rounds"); do
  for s in $shapes; do
    IFS=: read -r d ctx batch grads hvps <<<"$s"
    echo "# round $r shape $d:$ctx:$batch $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$log"
    tag="$r $d:$ctx:$batch"
    for a in ${ATTENTION:-default}; do
      side=carnot; [ "$a" = default ] || side="carnot-$a"
      "${java[@]}" carnot.bench.engine.TransformerSteadyCpuTime "$threads" "$grads" "$hvps" "$d" "$ctx" "$batch" "$a" \
        2>/dev/null | grep -v '^hash' | sed "s/^/$tag $side /" | tee -a "$log"
    done
    pin python3 -W ignore bench/python/transformer_steady_peer.py "$threads" "$grads" "$hvps" "$d" "$ctx" "$batch" \
      | sed "s/^/$tag torch-new /" | tee -a "$log"
    pin /usr/bin/python3 -W ignore bench/python/transformer_steady_peer.py "$threads" "$grads" "$hvps" "$d" "$ctx" \
      "$batch" | sed "s/^/$tag torch-old /" | tee -a "$log"
  done
done
echo "# end $(uptime)" | tee -a "$log"
python3 bench/python/shapes_table.py "$log"
echo "log: $log"
