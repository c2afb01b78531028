#!/usr/bin/env bash
# Builds Carnot's CUDA kernels; called by the kernels module's Maven build (phase generate-resources).
#   build.sh BUILD_DIR [JAVA_HOME]
# 0. ops.h, the op codes the kernels switch on, is generated from the Java enums (Unary, Binary, Reduce) by
#    running src/main/java/carnot/kernels/cuda/OpCodes.java with the JDK's source launcher (java from the JAVA_HOME
#    argument, else $JAVA_HOME, else PATH) into BUILD_DIR/cuda-gen/ops.h; rewritten only when its text changes.
# 1. With nvcc (CUDA_HOME/bin, /usr/local/bin, /usr/local/cuda/bin or PATH): every *.cu -> PTX for compute_75
#    and cubins for sm_80 and sm_90, into BUILD_DIR/generated-resources/cuda/carnot/kernels/cuda/{ptx,sm_80,sm_90};
#    except the arch-specific modules (SM90A_MODULES: wgmma, which is not forward compatible), built only as an
#    sm_90a cubin and its compute_90a PTX (the entry list the tests read) into .../sm_90a.
#    ptxas resource usage (-Xptxas -v: registers, shared memory, stack, spill bytes per kernel) of the sm_80,
#    sm_90 and sm_90a cubins, and of the PTX assembled for sm_75 (what the driver JIT does on 7.5), goes to
#    BUILD_DIR/cuda-ptxas/resource-usage.txt (PtxasReportTest asserts that no kernel spills).
# 2. With g++: the same *.cu plus emu/cuda_emu.cpp -> the host emulation library
#    BUILD_DIR/cuda-emu/libcarnot_cuda_emu.so, copied into the resources as .../cuda/emu/ for the class path.
# Missing tools are reported and skipped (the CUDA backend then says "not built"); a failing compile fails.
# CARNOT_CUDA_NVCC=/path/to/nvcc picks a toolkit; CARNOT_CUDA_NVCC=none builds without nvcc.
# Up-to-date outputs (newer than every source) are not rebuilt.
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:?usage: build.sh BUILD_DIR}"
res="$build/generated-resources/cuda/carnot/kernels/cuda"
emu="$build/cuda-emu"
gen="$build/cuda-gen"
ptxas_dir="$build/cuda-ptxas"
report="$ptxas_dir/resource-usage.txt"
mkdir -p "$res" "$emu" "$gen"

java_src="$src/../java/carnot/kernels"
java_bin="${2:+$2/bin/java}"
java_bin="${java_bin:-${JAVA_HOME:+$JAVA_HOME/bin/java}}"
java_bin="${java_bin:-$(command -v java || true)}"
if [ -z "$java_bin" ] || [ ! -x "$java_bin" ]; then
  echo "carnot cuda: a java (JDK >= 22) is required to generate ops.h from the op enums; given '${java_bin}'" >&2
  exit 1
fi
op_sources=("$java_src/cuda/OpCodes.java" "$java_src/Unary.java" "$java_src/Binary.java" "$java_src/Reduce.java")
if [ ! -f "$gen/ops.stamp" ] || [ -n "$(find "${op_sources[@]}" -newer "$gen/ops.stamp")" ]; then
  "$java_bin" "$java_src/cuda/OpCodes.java" "$gen/ops.h.tmp"
  if cmp -s "$gen/ops.h.tmp" "$gen/ops.h"; then rm "$gen/ops.h.tmp"; else mv "$gen/ops.h.tmp" "$gen/ops.h"; fi
  touch "$gen/ops.stamp"
fi

# modules built only for the arch-specific target sm_90a (space-delimited base names)
SM90A_MODULES=" gemm_wgmma "
sources=("$src"/*.cu "$src"/*.h "$src"/emu/*.h "$src"/emu/*.cpp "$src/build.sh" "$gen/ops.h")

newest_source() { ls -t "${sources[@]}" | head -n 1; }
up_to_date() { [ -f "$1" ] && [ "$1" -nt "$(newest_source)" ]; }

nvcc_bin=""
if [ "${CARNOT_CUDA_NVCC:-}" = "none" ]; then
  :
elif [ -n "${CARNOT_CUDA_NVCC:-}" ]; then
  nvcc_bin="$CARNOT_CUDA_NVCC"
else
  for c in "${CUDA_HOME:-/nonexistent}/bin/nvcc" /usr/local/bin/nvcc /usr/local/cuda/bin/nvcc "$(command -v nvcc || true)"; do
    if [ -n "$c" ] && [ -x "$c" ]; then nvcc_bin="$c"; break; fi
  done
fi

info="$res/build-info.properties"
if [ -z "$nvcc_bin" ]; then
  echo "carnot cuda: nvcc not found (looked in CUDA_HOME/bin, /usr/local/bin, /usr/local/cuda/bin, PATH): GPU kernels not built" >&2
  rm -rf "$res/ptx" "$res/sm_80" "$res/sm_90" "$res/sm_90a" "$ptxas_dir"
  printf 'nvcc=not found\n' > "$info"
elif up_to_date "$res/sm_90/gemm.cubin" && up_to_date "$res/sm_90a/gemm_wgmma.cubin" && up_to_date "$report"; then
  echo "carnot cuda: PTX and cubins up to date" >&2
else
  start=$(date +%s)
  mkdir -p "$res/ptx" "$res/sm_80" "$res/sm_90" "$res/sm_90a" "$ptxas_dir"
  rm -f "$ptxas_dir"/*.txt
  # runs a compile whose stderr (the ptxas report) goes to log $1; on failure the log is shown and the build fails
  logged() { local log="$1"; shift; "$@" 2>"$log" || { cat "$log" >&2; exit 1; }; }
  ptxas_bin="$(dirname "$nvcc_bin")/ptxas"
  [ -x "$ptxas_bin" ] || ptxas_bin="$(command -v ptxas || true)"
  for f in "$src"/*.cu; do
    b="$(basename "$f" .cu)"
    if [[ "$SM90A_MODULES" == *" $b "* ]]; then
      "$nvcc_bin" -std=c++17 -O3 -I"$src" -I"$gen" -ptx -arch=compute_90a "$f" -o "$res/sm_90a/$b.ptx"
      logged "$ptxas_dir/$b.sm_90a.txt" "$nvcc_bin" -std=c++17 -O3 -I"$src" -I"$gen" -cubin -arch=sm_90a -Xptxas -v "$f" -o "$res/sm_90a/$b.cubin"
      continue
    fi
    "$nvcc_bin" -std=c++17 -O3 -I"$src" -I"$gen" -ptx -arch=compute_75 "$f" -o "$res/ptx/$b.ptx"
    logged "$ptxas_dir/$b.sm_80.txt" "$nvcc_bin" -std=c++17 -O3 -I"$src" -I"$gen" -cubin -arch=sm_80 -Xptxas -v "$f" -o "$res/sm_80/$b.cubin"
    logged "$ptxas_dir/$b.sm_90.txt" "$nvcc_bin" -std=c++17 -O3 -I"$src" -I"$gen" -cubin -arch=sm_90 -Xptxas -v "$f" -o "$res/sm_90/$b.cubin"
    if [ -n "$ptxas_bin" ]; then
      logged "$ptxas_dir/$b.sm_75.txt" "$ptxas_bin" -arch=sm_75 -v "$res/ptx/$b.ptx" -o "$ptxas_dir/$b.sm_75.cubin"
      rm -f "$ptxas_dir/$b.sm_75.cubin"
    fi
  done
  for b in "$ptxas_dir"/*.sm_*.txt; do printf '## %s\n' "$(basename "$b" .txt)"; cat "$b"; done > "$report.tmp"
  mv "$report.tmp" "$report"
  version="$("$nvcc_bin" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')"
  isa="$(sed -n 's/^\.version \([0-9.]*\).*/\1/p' "$res/ptx/gemm.ptx" | head -n 1)"
  printf 'nvcc=%s\nptx.isa=%s\nptx.target=compute_75\ncubins=sm_80,sm_90,sm_90a\n' "$version" "$isa" > "$info"
  echo "carnot cuda: nvcc $version built PTX (ISA $isa) and sm_80/sm_90/sm_90a cubins in $(( $(date +%s) - start )) s" >&2
fi

gxx="$(command -v g++ || true)"
lib="$emu/libcarnot_cuda_emu.so"
if [ -z "$gxx" ]; then
  echo "carnot cuda: g++ not found: the host emulation of the CUDA backend is not built" >&2
elif [ "$(uname -m)" != "x86_64" ]; then
  echo "carnot cuda: the host emulation needs x86-64 (its fiber switch is x86-64 assembly); not built on $(uname -m)" >&2
elif up_to_date "$lib"; then
  echo "carnot cuda: emulation library up to date" >&2
else
  objs="$emu/obj"
  mkdir -p "$objs"
  pids=()
  for f in "$src"/*.cu; do
    "$gxx" -std=c++20 -O2 -fPIC -fvisibility=hidden -Wall -Wextra -Werror=switch -Wno-unused-parameter -I"$src" -I"$gen" -x c++ -c "$f" \
      -o "$objs/$(basename "$f" .cu).o" & pids+=($!)
  done
  "$gxx" -std=c++20 -O2 -fPIC -fvisibility=hidden -Wall -Wextra -I"$src" -c "$src/emu/cuda_emu.cpp" -o "$objs/cuda_emu.o"
  for p in "${pids[@]}"; do wait "$p"; done
  "$gxx" -shared -o "$lib.tmp" "$objs"/*.o -lpthread
  mv "$lib.tmp" "$lib"
  echo "carnot cuda: built $lib" >&2
fi
if [ -f "$lib" ]; then
  mkdir -p "$res/emu"
  cp "$lib" "$res/emu/libcarnot_cuda_emu.so"
fi
