#!/usr/bin/env bash
# 1 -> 2 thread scaling of the gradient and the HVP, interleaved fresh processes, ROUNDS rounds (bench/README.md
# "Thread scaling"): efficiency = t1 / (2 t2) by wall clock (process CPU alongside), Carnot and PyTorch:
#   MLP 784-512-512-512-10 tanh, MSE, N = 5000, f32: carnot.bench.engine.AutodiffCpuTime REPS T big-f32 and
#     bench/python/autodiff_peer.py --cases big-f32 (PyTorch 2.x and Debian 1.13; HVP = its faster method)
#   transformer 2 layers, d 128, 4 heads, context 64, vocab 64, batch 32, f32, CE at every position:
#     carnot.bench.engine.TransformerSteadyCpuTime T GRADS HVPS and bench/python/transformer_steady_peer.py (PyTorch
#     2.x; medians over each phase's second half)
# Every BLAS is pinned to T threads. bench/python/threads_table.py prints the tables.
#   bench/run-threads.sh [ROUNDS=3] [REPS=7] [GRADS=80] [HVPS=30]
# Env: SKIP_BUILD=1, CASES (default "mlp transformer"), OUT (log folder, default a temporary one).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
rounds="${1:-3}"; reps="${2:-7}"; grads="${3:-80}"; hvps="${4:-30}"
jdk="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cd "$root"
[ -n "${SKIP_BUILD:-}" ] || JAVA_HOME="$jdk" mvn -B -q -o -DskipTests -Dcarnot.cuda.skip=true -pl bench -am package >&2
out="${OUT:-$(mktemp -d /tmp/carnot-threads.XXXXXX)}"
mkdir -p "$out"
log="$out/log.txt"
java=("$jdk/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC
  -Xlog:disable -Xlog:all=warning:stderr -cp "bench/target/classes:$(cat bench/target/classpath.txt)")
pin() { OMP_NUM_THREADS="$1" OPENBLAS_NUM_THREADS="$1" MKL_NUM_THREADS="$1" "${@:2}"; }
echo "# threads: $rounds rounds, $reps reps, transformer $grads + $hvps; $(uptime); $(grep -m1 'model name' /proc/cpuinfo)" | tee "$log"
for r in $(seq 1 "$rounds"); do
  for t in 1 2; do
    echo "# round $r threads $t $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >>"$log"
    for c in ${CASES:-mlp transformer}; do
      if [ "$c" = mlp ]; then
        "${java[@]}" carnot.bench.engine.AutodiffCpuTime "$reps" "$t" big-f32 2>/dev/null | sed "s/^/$r carnot $t /" | tee -a "$log"
        pin "$t" python3 -W ignore bench/python/autodiff_peer.py --threads "$t" --reps "$reps" --cases big-f32 \
          $([ "$t" = 1 ] && echo --cpu-time) | grep -v '^#' | grep -v retained | sed "s/^/$r torch-new $t /" | tee -a "$log"
        pin "$t" /usr/bin/python3 -W ignore bench/python/autodiff_peer.py --threads "$t" --reps "$reps" --cases big-f32 \
          $([ "$t" = 1 ] && echo --cpu-time) | grep -v '^#' | grep -v retained | sed "s/^/$r torch-old $t /" | tee -a "$log"
      else
        "${java[@]}" carnot.bench.engine.TransformerSteadyCpuTime "$t" "$grads" "$hvps" 2>/dev/null | grep -v '^hash' \
          | sed "s/^/$r carnot $t /" | tee -a "$log"
        pin "$t" python3 -W ignore bench/python/transformer_steady_peer.py "$t" "$grads" "$hvps" | sed "s/^/$r torch-new $t /" | tee -a "$log"
      fi
    done
  done
done
echo "# end $(uptime)" | tee -a "$log"
python3 bench/python/threads_table.py "$log"
