#!/usr/bin/env bash
# Start-up and warm-up: fresh processes doing COUNT full-batch gradients of the same problem, Carnot (JVM start
# included, carnot.bench.warmup.WarmupTimeline, with the JVM flags ./carnot uses) against PyTorch 2.x (python3) and
# 1.13 (/usr/bin/python3) (torch import included, bench/python/warmup_peer.py), interleaved, ROUNDS rounds. Prints
# per variant the medians of: seconds from process start to the 20th gradient, to steady state, steady per-step time,
# and the ratio of the first to the faster peer in the same round (see bench/README.md "Start-up and warm-up").
#   bench/run-warmup.sh [ROUNDS=3] [CASE=transformer|mlp] [COUNT=40]
# Env: VARIANTS (default "jit aot aot-cts"), SKIP_BUILD=1, OUT (default a temporary folder, kept).
#   jit      the JVM flags of ./carnot, no AOT cache (CARNOT_AOT=off)
#   aot      plus the AOT cache ./carnot makes (./carnot aot)
#   aot-cts  plus -XX:CompileThresholdScaling=0.25 (methods reach C1/C2 at a quarter of the default counts)
#   jit-c1   C1 only (-XX:TieredStopAtLevel=1), for the profile of where the time goes
#   jit-fg   compilation in the foreground (-XX:-BackgroundCompilation): a thread that triggers a compilation
#            waits for it instead of running the method uncompiled meanwhile
#   c2-fg    interpreter then C2 only, in the foreground (-XX:-TieredCompilation -XX:-BackgroundCompilation)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
rounds="${1:-3}"
case_="${2:-transformer}"
count="${3:-40}"
variants=(${VARIANTS:-jit aot aot-cts})
cd "$root"
aot="$(./carnot aot)"                          # builds if needed and makes the cache
jdk="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [ -z "${SKIP_BUILD:-}" ]; then
  JAVA_HOME="$jdk" mvn -B -q -o -pl bench -am compile >&2
fi
cp="examples/target/carnot-examples-0.1.0-SNAPSHOT.jar:$(cat examples/target/classpath.txt):bench/target/classes"
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC
  -XX:MaxNewSize=128m --sun-misc-unsafe-memory-access=allow -Xlog:disable -Xlog:all=warning:stderr)
out="${OUT:-$(mktemp -d /tmp/carnot-warmup.XXXXXX)}"
mkdir -p "$out"
echo "warmup: $case_, $count gradients, $rounds rounds, results in $out; $(uptime)" >&2
opts() {
  case "$1" in
    jit) echo "" ;;
    aot) echo "-XX:AOTCache=$aot" ;;
    aot-cts) echo "-XX:AOTCache=$aot -XX:CompileThresholdScaling=0.25" ;;
    jit-c1) echo "-XX:TieredStopAtLevel=1" ;;
    jit-fg) echo "-XX:-BackgroundCompilation" ;;
    c2-fg) echo "-XX:-BackgroundCompilation -XX:-TieredCompilation" ;;
    *) echo "unknown variant $1" >&2; exit 2 ;;
  esac
}
for r in $(seq 1 "$rounds"); do
  for v in "${variants[@]}"; do
    # shellcheck disable=SC2046
    "$jdk/bin/java" "${flags[@]}" $(opts "$v") -cp "$cp" carnot.bench.warmup.WarmupTimeline "$case_" "$count" \
      >"$out/$r-carnot-$v.jsonl"
  done
  python3 bench/python/warmup_peer.py "$case_" "$count" >"$out/$r-torch-new.jsonl" 2>/dev/null
  if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    /usr/bin/python3 bench/python/warmup_peer.py "$case_" "$count" >"$out/$r-torch-old.jsonl" 2>/dev/null
  fi
  echo "warmup: round $r done; $(uptime)" >&2
done
python3 bench/python/warmup_table.py "$out"
