#!/bin/sh
# Exits 1 unless scbench's BACKEND trains on a GPU here: `tensorflow` must load tfjs-node-gpu with a visible GPU
# (else it would train on TensorFlow's CPU build), `webgpu` must get a hardware adapter (not a software Vulkan
# driver such as lavapipe or SwiftShader). Prints the engine that one training step reported. The nightly's
# shard jobs and the Kubernetes shard pods run it before training.
#
#   deploy/require-gpu.sh tensorflow|webgpu
set -eu
backend=${1:-}
case "$backend" in
  tensorflow) expected='"kind": "tensorflow-gpu"' ;;
  webgpu) expected='"software": false' ;;
  *) echo "usage: require-gpu.sh tensorflow|webgpu (got '$backend')" >&2; exit 2 ;;
esac
scbench="$(dirname "$0")/../bin/scbench"
perf=$("$scbench" perf --backend "$backend" --network simple --batch 2 --warmup 1 --iterations 1 --json) || {
  echo "require-gpu: the $backend backend did not start" >&2
  exit 1
}
printf '%s\n' "$perf"
case "$perf" in
  *"$expected"*) ;;
  *) echo "require-gpu: $backend runs on no GPU here (perf reported no $expected)" >&2; exit 1 ;;
esac
