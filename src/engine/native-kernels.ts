/**
 * scbench's own WebAssembly kernels (native/kernels.c), instantiated on the wasm backend's memory so
 * they read and write tensors in place: every argument that names a tensor is its byte offset in the
 * tfjs heap. The module is built from source by scripts/build-wasm-kernels.sh and committed.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface NativeKernels {
  copy_rows(inPtr: number, outPtr: number, n0: number, n1: number, n2: number, in0: number, in1: number, in2: number,
    out0: number, out1: number, out2: number, length: number): void;
  transpose_planes(inPtr: number, outPtr: number, n0: number, n1: number, in0: number, in1: number, out0: number, out1: number,
    rows: number, cols: number, rowStride: number, outRowStride: number): void;
  max_pool_grad(x: number, dy: number, dx: number, batch: number, inH: number, inW: number, channels: number,
    outH: number, outW: number, filterH: number, filterW: number, strideH: number, strideW: number, top: number, left: number): void;
  column_sums(inPtr: number, outPtr: number, rows: number, cols: number): void;
}

/** The build for the single-threaded backend's memory, and the same code for the threaded one's shared memory. */
export const NATIVE_KERNELS_PATHS = {
  plain: fileURLToPath(new URL('./native/kernels.wasm', import.meta.url)),
  shared: fileURLToPath(new URL('./native/kernels-shared.wasm', import.meta.url)),
};

const modules: { plain?: WebAssembly.Module; shared?: WebAssembly.Module } = {};
const instances = new WeakMap<WebAssembly.Memory, NativeKernels>();

/** The kernels bound to this backend's heap (one instance per heap, made on first use). */
export function nativeKernels(backend: BackendWasm): NativeKernels {
  // The single-threaded build exports its memory; the threaded one imports a shared memory it made.
  const wasm = backend.wasm as unknown as { asm: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory };
  const memory = wasm.asm.memory ?? wasm.wasmMemory!;
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    const build = memory.buffer instanceof SharedArrayBuffer ? 'shared' : 'plain';
    const module = (modules[build] ??= new WebAssembly.Module(readFileSync(NATIVE_KERNELS_PATHS[build])));
    kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as NativeKernels;
    instances.set(memory, kernels);
  }
  return kernels;
}

/** Where a tensor's values start in the backend's heap, in bytes. */
export function heapOffset(backend: BackendWasm, tensor: TensorInfo): number {
  return (backend.typedArrayFromHeap(tensor) as Float32Array).byteOffset;
}
