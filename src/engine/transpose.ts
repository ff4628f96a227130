/**
 * Transpose for wasm, up to 4-d, 4-byte values: rows copied where the innermost axis stays innermost,
 * otherwise 4x4 SIMD block transposes (native/kernels.c). The conv gradients move a batch axis to the
 * channel's place, which wasm's own kernel does element by element at a cost close to the convolution's.
 * Other ranks and types go to wasm's own kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo, TransposeAttrs } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, nativeKernels } from './native-kernels.ts';

/** Strides of a row-major shape, in elements. */
function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let k = shape.length - 1, s = 1; k >= 0; k--) {
    out[k] = s;
    s *= shape[k];
  }
  return out;
}

export function makeTranspose(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { perm } = args.attrs as unknown as TransposeAttrs;
    if (x.shape.length > 4 || (x.dtype !== 'float32' && x.dtype !== 'int32')) return stock(args);
    const backend = args.backend as BackendWasm;
    const lead = 4 - x.shape.length;
    const shape = [...new Array<number>(lead).fill(1), ...x.shape];
    const p = [...Array.from({ length: lead }, (_, k) => k), ...perm.map((axis) => axis + lead)];
    const outShape = p.map((axis) => shape[axis]);
    const out = backend.makeOutput(perm.map((axis) => x.shape[axis]), x.dtype);
    if (tf.util.sizeFromShape(x.shape) === 0) return out;
    const inStride = strides(shape);
    const src = p.map((axis) => inStride[axis]);
    const dst = strides(outShape);
    const kernels = nativeKernels(backend);
    const [from, to] = [heapOffset(backend, x), heapOffset(backend, out)];
    if (p[3] === 3) {
      kernels.copy_rows(from, to, outShape[0], outShape[1], outShape[2], src[0], src[1], src[2], dst[0], dst[1], dst[2], outShape[3]);
      return out;
    }
    // q: the output axis that is the input's innermost; each plane of output axes q and 3 is one 2-d transpose.
    const q = p.indexOf(3);
    const [a, b] = [0, 1, 2].filter((k) => k !== q);
    kernels.transpose_planes(from, to, outShape[a], outShape[b], src[a], src[b], dst[a], dst[b], outShape[3], outShape[q], src[3], dst[q]);
    return out;
  };
}
