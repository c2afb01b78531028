#!/usr/bin/env bash
# Runs the CUDA emulator tests against an AddressSanitizer build of the emulation library, so any kernel access
# outside a device buffer (allocated by carnot_emu_alloc, hence with redzones) aborts with a report.
#   kernels/src/main/cuda/emu/asan-tests.sh [TEST_PATTERN]     (default: CudaEmu*,Conformance*,Emulator*,PtxModule*)
# Needs g++ with libasan and a JDK 25 (JAVA_HOME or /usr/lib/jvm/*25*). Reports go to kernels/target-asan/asan.*
# (the out-of-memory test's "failed to allocate" warning is expected). The kernel build step is skipped (nvcc
# must not run under the preloaded sanitizer), so the PTX mapping test is skipped in this run.
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$src/../../../.." && pwd)"
out="$root/kernels/target-asan/emu"
mkdir -p "$out/obj" "$out/gen"
rm -f "$root"/kernels/target-asan/asan.*
jdk="${JAVA_HOME:-$(ls -d /usr/lib/jvm/*25* | head -n 1)}"
"$jdk/bin/java" "$root/kernels/src/main/java/carnot/kernels/cuda/OpCodes.java" "$out/gen/ops.h"
flags=(-std=c++20 -O1 -g -fsanitize=address -fno-omit-frame-pointer -fPIC -fvisibility=hidden -I"$src" -I"$out/gen")
pids=()
for f in "$src"/*.cu; do
  g++ "${flags[@]}" -x c++ -c "$f" -o "$out/obj/$(basename "$f" .cu).o" & pids+=($!)
done
g++ "${flags[@]}" -c "$src/emu/cuda_emu.cpp" -o "$out/obj/cuda_emu.o"
for p in "${pids[@]}"; do wait "$p"; done
g++ -shared -fsanitize=address -o "$out/libcarnot_cuda_emu.so" "$out/obj"/*.o -lpthread
asan="$(g++ -print-file-name=libasan.so)"
cd "$root"
LD_PRELOAD="$asan" \
ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:allow_user_segv_handler=1:log_path=$root/kernels/target-asan/asan" \
JAVA_HOME="$jdk" mvn -B -q -DbuildDir=target-asan -Dcarnot.cuda.skip=true -Dcarnot.cuda.pool=false -pl kernels test \
  -Dtest="${1:-CudaEmu*,Conformance*,Emulator*,PtxModule*}" -Dsurefire.failIfNoSpecifiedTests=false \
  -Dcarnot.cuda.emu.library="$out/libcarnot_cuda_emu.so"
if grep -l "ERROR: AddressSanitizer" "$root"/kernels/target-asan/asan.* >/dev/null 2>&1; then
  echo "AddressSanitizer errors:" >&2
  cat "$root"/kernels/target-asan/asan.* >&2
  exit 1
fi
echo "asan-tests: no AddressSanitizer reports"
