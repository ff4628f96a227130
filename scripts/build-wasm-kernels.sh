#!/usr/bin/env bash
# Builds src/engine/native/kernels.wasm (for the wasm backend's own memory) and kernels-shared.wasm (the same
# code for the threaded build's shared memory: a module must declare a shared memory to import one) from
# kernels.c with clang and wasm-ld (Debian: clang-14 lld-14). Both are committed, so users need no compiler;
# src/engine/native-kernels.test.ts rebuilds them and checks the committed files are exactly this build.
# Usage: scripts/build-wasm-kernels.sh [output folder]
set -euo pipefail
cd "$(dirname "$0")/.."
clang=${CLANG:-$(command -v clang-14 || command -v clang)}
out=${1:-src/engine/native}
objdump=$(command -v llvm-objdump-14 || command -v llvm-objdump || true)
[ -n "$objdump" ] || echo "note: llvm-objdump not found, the check that no kernel uses the stack was skipped" >&2
build() {
  local file=$1
  shift
  "$clang" --target=wasm32 -O3 -msimd128 -nostdlib -fno-builtin -ffp-contract=off "$@" \
    -Wl,--no-entry -Wl,--import-memory -Wl,--export=copy_rows -Wl,--export=transpose_planes -Wl,--export=max_pool_grad -Wl,--export=column_sums -Wl,--strip-all \
    -o "$out/$file" src/engine/native/kernels.c
  # The module shares the tfjs heap: code that touched the stack pointer (a global) would write into it.
  if [ -n "$objdump" ] && "$objdump" -d "$out/$file" | grep -q 'global\.[gs]et'; then
    echo "$out/$file: uses the stack; kernels.c must keep to scalar locals" >&2
    exit 1
  fi
}
build kernels.wasm
# The threaded build's memory is shared, with a maximum of 4 GiB.
build kernels-shared.wasm -matomics -mbulk-memory -Wl,--shared-memory -Wl,--max-memory=4294967296
