#!/usr/bin/env bash
# Deep linear network, steady-state gradient and HVP against PyTorch, interleaved fresh processes, ROUNDS rounds, on
# 1 and 2 threads (bench/README.md "Deep linear network"): 4 layers of 256 x 256 (no biases), f64, N = 10,000,
# MSE on a random linear target, one chunk. Carnot: carnot.bench.engine.AutodiffCpuTime REPS T deeplinear; peers:
# bench/python/autodiff_peer.py --cases deeplinear under PyTorch 2.x (python3) and Debian PyTorch 1.13
# (/usr/bin/python3), HVP = the faster of double backward and functorch/torch.func jvp(grad). One thread: every
# BLAS pinned to one thread, times are the calling thread's CPU time (immune to other processes' time slices);
# two threads: wall clock (process CPU alongside). Ratio = Carnot / the faster peer of the same round, median over
# rounds (bench/python/threads_table.py).
#   bench/run-deep-linear.sh [ROUNDS=3] [REPS=7]
# Env: SKIP_BUILD=1, THREADS (default "1 2"), OUT (log folder, default a temporary one).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
rounds="${1:-3}"; reps="${2:-7}"
jdk="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cd "$root"
[ -n "${SKIP_BUILD:-}" ] || JAVA_HOME="$jdk" mvn -B -q -o -DskipTests -Dcarnot.cuda.skip=true -pl bench -am package >&2
out="${OUT:-$(mktemp -d /tmp/carnot-deep-linear.XXXXXX)}"
mkdir -p "$out"
log="$out/log.txt"
java=("$jdk/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC
  -Xlog:disable -Xlog:all=warning:stderr -cp "bench/target/classes:$(cat bench/target/classpath.txt)")
echo "# deep linear: $rounds rounds, $reps reps; $(uptime); $(grep -m1 'model name' /proc/cpuinfo)" | tee "$log"
for r in $(seq 1 "$rounds"); do
  for t in ${THREADS:-1 2}; do
    clock=(); [ "$t" = 1 ] && clock=(--cpu-time)
    echo "# round $r threads $t $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >>"$log"
    "${java[@]}" carnot.bench.engine.AutodiffCpuTime "$reps" "$t" deeplinear 2>/dev/null | sed "s/^/$r carnot $t /" | tee -a "$log"
    for py in python3 /usr/bin/python3; do
      side=$([ "$py" = python3 ] && echo torch-new || echo torch-old)
      OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" MKL_NUM_THREADS="$t" \
        "$py" -W ignore bench/python/autodiff_peer.py --threads "$t" --reps "$reps" --cases deeplinear "${clock[@]}" \
        | grep -v '^#' | sed "s/^/$r $side $t /" | tee -a "$log"
    done
  done
done
echo "# end $(uptime)" | tee -a "$log"
python3 bench/python/threads_table.py "$log"
