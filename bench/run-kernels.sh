#!/usr/bin/env bash
# Kernel benchmarks (JMH, module bench, package carnot.bench.kernels), the CPU-time harness KernelCpuTime, and
# the PyTorch GEMM/elementwise peer; then the wall-clock tables (kernels-table.md). See bench/README.md "Kernels".
#   bench/run-kernels.sh                 all kernel benchmarks (~15 min on 2 cores)
#   bench/run-kernels.sh GemmBench       only benchmarks matching a JMH regex
# Env: BUILD_DIR (default target-bench-kernels), OUT (default bench/results), SKIP_BUILD=1, SKIP_PEER=1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build="${BUILD_DIR:-target-bench-kernels}"
out="${OUT:-$here/results}"
regex="${1:-carnot.bench.kernels}"

jdk=""
for j in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
  [ -n "$j" ] && [ -x "$j/bin/javac" ] || continue
  v=$("$j/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p')
  if [ -n "$v" ] && [ "$v" -ge 25 ]; then jdk="$j"; break; fi
done
[ -n "$jdk" ] || { echo "run-kernels: needs a JDK >= 25 (JAVA_HOME or /usr/lib/jvm/*)" >&2; exit 3; }
export JAVA_HOME="$jdk"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$root" && mvn -B -q -DbuildDir="$build" -Dcarnot.cuda.skip=true -DskipTests -pl bench -am package)
fi
cp="$root/bench/$build/classes:$(cat "$root/bench/$build/classpath.txt")"
mkdir -p "$out"
echo "run-kernels: $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/kernels-env.txt"
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$cp" \
  org.openjdk.jmh.Main "$regex" -f 1 -wi 3 -w 1s -i 5 -r 1s \
  -jvmArgsAppend "-Xmx2g" \
  -rf json -rff "$out/kernels-jmh.json" | grep -v '^WARNING'
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx2g -cp "$cp" \
  carnot.bench.kernels.KernelCpuTime 2 2>&1 | grep -v '^WARNING' | tee "$out/kernels-cputime.txt"
if [ "${SKIP_PEER:-0}" != 1 ]; then
  /usr/bin/python3 "$here/python/gemm_peer.py" --out "$out/kernels-torch.json" | tee "$out/kernels-torch.txt"
fi
echo "run-kernels: done $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/kernels-env.txt"
/usr/bin/python3 "$here/python/kernels_table.py" --torch "$out/kernels-torch.json" \
  --cputime "$out/kernels-cputime.txt" "$out/kernels-jmh.json" \
  | tee "$out/kernels-table.md"
