/**
 * Sum for wasm over leading axes (all but the innermost ones kept), float32: one pass over the tensor
 * (native/kernels.c), adding in the same order as wasm's own kernel, which first transposes the reduced
 * axes innermost, a full copy at the speed of its element-by-element transpose. This is the shape of
 * every bias gradient (dy summed over batch, height and width). Other reductions go to wasm's own kernel.
 */
import { backend_util, util } from '@tensorflow/tfjs-core';
import type { KernelFunc, SumAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, nativeKernels } from './native-kernels.ts';

export function makeSum(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const axes = util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.every((a, i) => a === i) && axes.length < x.shape.length;
    if (x.dtype !== 'float32' || !leading || axes.length === 0) return stock(args);
    const backend = args.backend as BackendWasm;
    const kept = x.shape.slice(axes.length);
    const out = backend.makeOutput(keepDims ? backend_util.expandShapeToKeepDim(kept, axes) : kept, 'float32');
    const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
    nativeKernels(backend).column_sums(heapOffset(backend, x), heapOffset(backend, out), rows, util.sizeFromShape(kept));
    return out;
  };
}
