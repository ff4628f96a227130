#!/usr/bin/env bash
# The prepared GPU check: WebGPU and PyTorch training throughput on the same GPU, the smoke grid, one epoch of
# CIFAR-10 and the paper grid's estimated training time, for a machine with an NVIDIA GPU, its driver and Python
# with PyTorch, and no Node, npm or internet. README, "Checking a GPU".
#
#   scripts/gpu-check.sh pack <dir> [--cifar10 <archive>]   here: Node, the Vulkan loader, the project and CIFAR-10 into <dir>
#   scripts/gpu-check.sh run <dir> <out-dir> [--dry-run]    there: runs it; results.md, results.json and log.txt into <out-dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

case "${1:-}" in
  pack)
    shift
    cd "$here/.."
    exec node --import tsx scripts/gpu-check/pack.ts "$@"
    ;;
  run)
    [ $# -ge 3 ] || { echo "usage: gpu-check.sh run <pack-dir> <out-dir> [--dry-run]" >&2; exit 2; }
    pack=$(cd "$2" && pwd)
    mkdir -p "$3"
    out=$(cd "$3" && pwd)
    shift 3
    work=$(mktemp -d "${TMPDIR:-/tmp}/scbench-gpu-check.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    tar -C "$work" -xJf "$pack/scbench.tar.xz"
    tree="$work/scbench"
    # The packed Vulkan loader, and the driver's libraries where the NVIDIA runtime mounts them.
    export PATH="$tree/runtime/bin:$PATH"
    export LD_LIBRARY_PATH="$tree/runtime/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    [ -d /usr/local/nvidia/lib64 ] && LD_LIBRARY_PATH="$LD_LIBRARY_PATH:/usr/local/nvidia/lib64"
    # The NVIDIA Vulkan driver: its ICD file where the driver installed one; else one naming its library.
    if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [[ " $* " != *" --dry-run "* ]]; then
      for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json; do
        [ -f "$icd" ] && { export VK_DRIVER_FILES="$icd"; break; }
      done
      if [ -z "${VK_DRIVER_FILES:-}" ]; then
        echo '{"file_format_version": "1.0.0", "ICD": {"library_path": "libGLX_nvidia.so.0", "api_version": "1.3"}}' >"$work/nvidia_icd.json"
        export VK_DRIVER_FILES="$work/nvidia_icd.json"
      fi
      echo "gpu-check: Vulkan driver file $VK_DRIVER_FILES" >&2
    fi
    export XDG_RUNTIME_DIR="$work"
    cd "$tree"
    runtime/bin/node --import tsx scripts/gpu-check/run.ts "$pack" "$out" "$@"
    ;;
  *)
    echo "usage: gpu-check.sh pack <dir> [--cifar10 <archive>] | run <pack-dir> <out-dir> [--dry-run]" >&2
    exit 2
    ;;
esac
