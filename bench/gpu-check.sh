#!/usr/bin/env bash
# One-GPU check of the CUDA backend (bench/README.md "GPU check"): build, conformance harness on the GPU, every
# kernel timed against its H100 roofline and (GEMMs) cuBLAS, the f32 GEMMs in each precision mode (exact, TF32,
# BF16) against cuBLAS with the matching compute type, MLP and transformer gradient/HVP on the GPU backend vs
# the CPU backend, the EoS smoke experiment on the GPU backend. Writes gpu-check.md, gpu-check.json (one table) and
# gpu-check.log (everything printed) into OUT_DIR. Without a GPU it runs everything on the CUDA emulation (cuda-emu)
# at small sizes and marks every time "emulated".
#   bench/gpu-check.sh OUT_DIR [--emu] [--quick] [--no-cublas] [--no-eos] [--no-conformance] [--reps N]
# Env: SKIP_BUILD=1 (use the existing build), MVN_FLAGS (default "-B -q"; add -o offline).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
usage="usage: bench/gpu-check.sh OUT_DIR [--emu] [--quick] [--no-cublas] [--no-eos] [--no-conformance] [--reps N]"
[ $# -ge 1 ] && [ "${1#-}" = "$1" ] || { echo "$usage" >&2; exit 2; }
out="$(mkdir -p "$1" && cd "$1" && pwd)"
shift
emu=0; quick=0; cublas=1; conformance=1; driver_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --emu) emu=1; driver_args+=(--emu) ;;
    --quick) quick=1; driver_args+=(--quick) ;;
    --no-cublas) cublas=0 ;;
    --no-eos) driver_args+=(--no-eos) ;;
    --no-conformance) conformance=0 ;;
    --reps) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; driver_args+=(--reps "$2"); shift ;;
    *) echo "gpu-check: unknown argument '$1'; $usage" >&2; exit 2 ;;
  esac
  shift
done
log="$out/gpu-check.log"
: > "$log"
exec > >(tee -a "$log") 2>&1

jdk=""
for j in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
  [ -n "$j" ] && [ -x "$j/bin/javac" ] || continue
  v=$("$j/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p')
  if [ -n "$v" ] && [ "$v" -ge 25 ]; then jdk="$j"; break; fi
done
[ -n "$jdk" ] || { echo "gpu-check: needs a JDK >= 25 (JAVA_HOME or /usr/lib/jvm/*)"; exit 3; }
export JAVA_HOME="$jdk" PATH="$jdk/bin:$PATH"
read -r -a mvn_flags <<< "${MVN_FLAGS:--B -q}"
t_start=$(date +%s)
echo "gpu-check: $(date -u +%FT%TZ), $(nproc) cores, JDK $jdk, output $out"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "gpu-check: building (mvn package -pl bench -am: kernels with nvcc, the emulation library, engine ... bench)"
  (cd "$root" && mvn "${mvn_flags[@]}" -DskipTests -pl bench -am package) || { echo "gpu-check: build FAILED"; exit 1; }
fi
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
java_run=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g
  -XX:+UseParallelGC -Xlog:disable -Xlog:all=warning:stderr)

backend=cuda
if [ $emu = 0 ]; then
  why="$("${java_run[@]}" -cp "$cp" carnot.bench.cuda.GpuCheck --probe 2>/dev/null | grep -v '^WARNING')"
  if [ "$why" != "gpu" ]; then
    echo "gpu-check: no usable GPU ($why); running everything on the CUDA emulation (cuda-emu), times marked emulated"
    emu=1; driver_args+=(--emu)
  fi
fi
[ $emu = 1 ] && backend=cuda-emu

status="not run (--no-conformance)"
if [ $conformance = 1 ]; then
  echo "gpu-check: conformance harness (ConformanceTest, ConformanceGemmTest) on $backend against the reference"
  t0=$(date +%s)
  if (cd "$root" && mvn "${mvn_flags[@]}" -pl kernels test -Dtest=ConformanceTest,ConformanceGemmTest \
        -Dsurefire.failIfNoSpecifiedTests=false -Dcarnot.test.backends="$backend"); then
    status="passed"
  else
    status="FAILED (see gpu-check.log and kernels/target/surefire-reports)"
  fi
  counts=$(cat "$root"/kernels/target/surefire-reports/carnot.kernels.Conformance*Test.txt 2>/dev/null \
    | sed -n 's/^Tests run: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\), Skipped: \([0-9]*\).*/\1 \2 \3 \4/p' \
    | awk '{r+=$1; f+=$2+$3; s+=$4} END {printf "%d tests, %d failed, %d skipped", r, f, s}')
  status="$status: $counts on $backend in $(( $(date +%s) - t0 )) s"
  echo "gpu-check: conformance $status"
fi

props=()
[ $cublas = 1 ] && [ $emu = 0 ] && props+=(-Dcarnot.cuda.cublas=true)
echo "gpu-check: kernels, models and the EoS smoke experiment on $backend"
"${java_run[@]}" "${props[@]}" -cp "$cp" carnot.bench.cuda.GpuCheck --out "$out" --conformance "$status" \
  "${driver_args[@]}"
rc=$?
echo "gpu-check: done in $(( $(date +%s) - t_start )) s (exit $rc); table: $out/gpu-check.md, $out/gpu-check.json; log: $log"
exit $rc
