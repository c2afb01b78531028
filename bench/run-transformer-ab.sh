#!/usr/bin/env bash
# Steady-state A/B of two commits on the transformer gradient and HVP (bench/README.md "Steady-state A/B").
# Each commit is frozen with `git archive` into its own folder and built there (the classpath files hold absolute
# jar paths, so a run never mixes the two builds); carnot.bench.engine.TransformerSteadyCpuTime (copied from this
# tree into both, so both sides run the same harness) then runs as fresh processes, A and B interleaved, ROUNDS
# rounds; each process does GRADS gradients and HVPS products and reports medians over its second half. The table
# gives per side the median of the per-process medians and the median of the per-round B/A ratios.
#   bench/run-transformer-ab.sh COMMIT_A COMMIT_B [ROUNDS=4] [THREADS=2] [GRADS=300] [HVPS=100]
# COMMIT_B may be WORKTREE (this tree's uncommitted state). Env: AB_DIR (default /tmp/carnot-ab), SKIP_BUILD=1,
# MLP=1 also runs, after the transformer rounds and interleaved the same way, the MLP autodiff benches:
# carnot.bench.engine.AutodiffCpuTime 5 (one thread, thread CPU time) and JMH GradHvpBench (2 threads, wall clock,
# -wi 3 -i 5 -w 2 -r 2 -f 1; MLP_DTYPES=F32 for f32 only). GRADS=0 skips the transformer rounds. PEER=1 also
# runs bench/python/transformer_steady_peer.py (PyTorch, python3) after A and B in each transformer round.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
a="$1"; b="$2"; rounds="${3:-4}"; threads="${4:-2}"; grads="${5:-300}"; hvps="${6:-100}"
jdk="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
ab="${AB_DIR:-/tmp/carnot-ab}"
mkdir -p "$ab"
harness="bench/src/main/java/carnot/bench/engine/TransformerSteadyCpuTime.java"
freeze() { # commit folder
  if [ -n "${SKIP_BUILD:-}" ] && [ -f "$2/bench/target/classpath.txt" ]; then return; fi
  rm -rf "$2"; mkdir -p "$2"
  if [ "$1" = WORKTREE ]; then
    (cd "$root" && git ls-files -co --exclude-standard -z | tar --null -T - -c) | tar -x -C "$2"
  else
    (cd "$root" && git archive "$1") | tar -x -C "$2"
  fi
  cp "$root/$harness" "$2/$harness"
  (cd "$2" && JAVA_HOME="$jdk" mvn -B -q -o -DskipTests package -pl bench -am) >"$2.build.log" 2>&1
}
freeze "$a" "$ab/A"
freeze "$b" "$ab/B"
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC
  --sun-misc-unsafe-memory-access=allow -Xlog:disable -Xlog:all=warning:stderr)
run() { # side class args...
  local side="$1"; shift
  "$jdk/bin/java" "${flags[@]}" -cp "$ab/$side/bench/target/classes:$(cat "$ab/$side/bench/target/classpath.txt")" "$@"
}
log="$ab/log-$(date -u +%Y%m%dT%H%M%S).txt"
echo "A=$a B=$b rounds=$rounds threads=$threads grads=$grads hvps=$hvps; $(uptime)" | tee "$log"
for r in $(seq 1 "$rounds"); do
  [ "$grads" = 0 ] && break
  for side in A B; do
    echo "round $r side $side $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >>"$log"
    run "$side" carnot.bench.engine.TransformerSteadyCpuTime "$threads" "$grads" "$hvps" | sed "s/^/$r $side /" | tee -a "$log"
  done
  if [ -n "${PEER:-}" ]; then # PyTorch (python3) on the same problem, same thread count, BLAS pinned to it
    OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" \
      python3 "$here/python/transformer_steady_peer.py" "$threads" "$grads" "$hvps" | sed "s/^/$r P /" | tee -a "$log"
  fi
done
if [ -n "${MLP:-}" ]; then
  for r in $(seq 1 "$rounds"); do
    for side in A B; do
      echo "round $r side $side mlp $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >>"$log"
      run "$side" carnot.bench.engine.AutodiffCpuTime 5 2>/dev/null | sed "s/^/$r $side cpu1 /" | tee -a "$log"
      run "$side" -Djmh.ignoreLock=true org.openjdk.jmh.Main 'carnot.bench.engine.GradHvpBench' -p dtype="${MLP_DTYPES:-F32,F64}" -wi 3 -i 5 -w 2 -r 2 -f 1 \
        -tu ms 2>/dev/null | grep -E '^GradHvpBench' | sed "s/^/$r $side jmh /" | tee -a "$log"
    done
  done
fi
python3 "$here/python/ab_table.py" "$log"
echo "log: $log"
