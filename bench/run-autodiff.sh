#!/usr/bin/env bash
# Autodiff benchmarks side by side with PyTorch (see bench/README.md "Autodiff"):
#   1. JMH carnot.bench.engine.* (GradHvpBench, BatchedHvpBench) on the 2-thread CPU backend, wall clock;
#      then bench/python/autodiff_peer.py --threads 2.
#   2. Load-robust CPU-time pair: carnot.bench.engine.AutodiffCpuTime (1 thread) and
#      autodiff_peer.py --threads 1 --cpu-time with OpenBLAS/OpenMP pinned to one thread.
# Env: BUILD_DIR (default target-bench-engine), SKIP_BUILD=1, SKIP_JMH=1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build="${BUILD_DIR:-target-bench-engine}"
jdk="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cd "$root"
if [ -z "${SKIP_BUILD:-}" ]; then
  JAVA_HOME="$jdk" mvn -B -q -DbuildDir="$build" -pl bench -am package -DskipTests
fi
cp="bench/$build/classes:$(cat "bench/$build/classpath.txt")"
java=("$jdk/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$cp")
uptime
if [ -z "${SKIP_JMH:-}" ]; then
  "${java[@]}" -Djmh.ignoreLock=true org.openjdk.jmh.Main 'carnot.bench.engine.*' -wi 3 -i 5 -w 2 -r 2 -f 1
  /usr/bin/python3 bench/python/autodiff_peer.py --threads 2 --reps 5
fi
"${java[@]}" carnot.bench.engine.AutodiffCpuTime 5
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
  /usr/bin/python3 bench/python/autodiff_peer.py --threads 1 --cpu-time --reps 5
uptime
