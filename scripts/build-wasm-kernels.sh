#!/usr/bin/env bash
# Builds src/engine/native/kernels.wasm from kernels.c with clang and wasm-ld (Debian: clang-14 lld-14).
# The .wasm is committed, so users need no compiler; src/engine/native-kernels.test.ts rebuilds it and
# checks the committed file is exactly this build. Usage: scripts/build-wasm-kernels.sh [output]
set -euo pipefail
cd "$(dirname "$0")/.."
clang=${CLANG:-$(command -v clang-14 || command -v clang)}
out=${1:-src/engine/native/kernels.wasm}
"$clang" --target=wasm32 -O3 -msimd128 -nostdlib -fno-builtin -ffp-contract=off \
  -Wl,--no-entry -Wl,--import-memory -Wl,--export=copy_rows -Wl,--export=transpose_planes -Wl,--export=max_pool_grad -Wl,--export=column_sums -Wl,--strip-all \
  -o "$out" src/engine/native/kernels.c
# The module shares the tfjs heap: code that touched the stack pointer (a global) would write into it.
objdump=$(command -v llvm-objdump-14 || command -v llvm-objdump || true)
if [ -z "$objdump" ]; then
  echo "note: llvm-objdump not found, the check that no kernel uses the stack was skipped" >&2
elif "$objdump" -d "$out" | grep -q 'global\.[gs]et'; then
  echo "$out: uses the stack; kernels.c must keep to scalar locals" >&2
  exit 1
fi
