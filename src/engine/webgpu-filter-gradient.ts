/**
 * The convolution's filter gradient (Conv2DBackpropFilter) for tfjs-backend-webgpu: fast, and the same to the
 * bit on every run.
 *
 * tfjs's own program computes each filter element in one invocation that loops over every position of every
 * image: at 224x224 it was two thirds of a VGG16-BN training step on lavapipe. Here the gradient is one matrix
 * product, dW[m, n] = sum over k of X[k, m] * dY[k, n]: k runs over the batch's output positions, m over the
 * filter's taps and input channels (row, column, channel, as dW is laid out), n over its output channels, and
 * X[k, m] is the input value that filter element m meets at position k (zero in the padding), read where it lies
 * (an im2col matrix that is never built). One workgroup sums one 32x32 tile of dW over one chunk of the
 * positions, in order, through shared memory; a second pass adds the chunks' sums, in order. The number of
 * chunks follows from the shapes alone and no sum goes through atomics, so every addition happens in the same
 * order on every run (split-K through atomic adds, as tfjs's matmul does it, made training differ run to run).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/** The side of the dW tile a workgroup computes, and how many positions it takes per step. */
const TILE = 32;
/** Invocations per workgroup, 8x8, each computing 4x4 elements of the tile. */
const INVOCATIONS = 64;
/** The workgroups that keep a GPU busy: where dW has fewer tiles, chunks of the positions make up the rest. */
const TARGET_WORKGROUPS = 256;
/** The fewest positions a chunk sums, so that a chunk's partial sums cost little beside the sum itself. */
const MIN_CHUNK = 8 * TILE;

/** Positions per chunk, a whole number of steps, for `positions` output positions and a dW of `tiles` tiles. */
function chunkLength(positions: number, tiles: number): number {
  const chunks = Math.max(1, Math.min(Math.ceil(TARGET_WORKGROUPS / tiles), Math.floor(positions / MIN_CHUNK)));
  return TILE * Math.max(1, Math.ceil(positions / chunks / TILE));
}

/** Conv2DBackpropFilter computed as above; NCHW stays with `original`, tfjs's program. */
export function filterGradient(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (dataFormat === 'NCHW') return original(args);
    const backend = args.backend as WebGPUBackend;
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
    const rows = info.filterHeight * info.filterWidth * info.inChannels;
    const positions = info.batchSize * info.outHeight * info.outWidth;
    const length = chunkLength(positions, Math.ceil(rows / TILE) * Math.ceil(info.outChannels / TILE));
    const partials = backend.runWebGPUProgram(new ChunkSumsProgram(Math.ceil(positions / length), rows, info.outChannels), [x, dy], 'float32', [
      { type: 'int32', data: [info.padInfo.top, info.padInfo.left] },
      { type: 'int32', data: [info.strideHeight, info.strideWidth] },
      { type: 'int32', data: [info.filterWidth] },
      { type: 'int32', data: [length] },
    ]);
    const sum = backend.runWebGPUProgram(new SumOfChunksProgram(filterShape), [partials], 'float32');
    backend.disposeData(partials.dataId);
    return sum;
  };
}

/** dW's tiles, each summed over one chunk of the positions: output [chunks, rows m, columns n]. */
class ChunkSumsProgram implements WebGPUProgram {
  variableNames = ['x', 'dy'];
  uniforms = 'pads : vec2<i32>, strides : vec2<i32>, filterWidth : i32, chunkLength : i32,';
  workgroupSize: [number, number, number] = [8, 8, 1];
  dispatchLayout = { x: [2], y: [1], z: [0] };
  outputShape: number[];
  dispatch: [number, number, number];
  shaderKey = 'scbenchFilterGradientChunkSums';

  constructor(chunks: number, rows: number, columns: number) {
    this.outputShape = [chunks, rows, columns];
    this.dispatch = [Math.ceil(columns / TILE), Math.ceil(rows / TILE), chunks];
  }

  getUserCode(): string {
    const loads = (TILE * TILE) / INVOCATIONS;
    return `
      // The step's X[k, m] and dY[k, n], as [k][m / 4] and [k][n / 4].
      var<workgroup> xTile : array<vec4<f32>, ${(TILE * TILE) / 4}>;
      var<workgroup> dyTile : array<vec4<f32>, ${(TILE * TILE) / 4}>;

      fn main() {
        let chunk = i32(workgroupId.z);
        let firstM = i32(workgroupId.y) * ${TILE};
        let firstN = i32(workgroupId.x) * ${TILE};
        let inHeight = uniforms.xShape[1];
        let inWidth = uniforms.xShape[2];
        let inChannels = uniforms.xShape[3];
        let outHeight = uniforms.dyShape[1];
        let outWidth = uniforms.dyShape[2];
        let outChannels = uniforms.dyShape[3];
        let chunkEnd = min((chunk + 1) * uniforms.chunkLength, uniforms.dyShape[0] * outHeight * outWidth);

        // Each step, this invocation loads X[k, m] and dY[k, n] at ${loads} consecutive positions k from row firstRow
        // of the tile, for its column: filter element m (tap row, tap column, input channel) and output channel n.
        let column = i32(localIndex) % ${TILE};
        let firstRow = i32(localIndex) / ${TILE} * ${loads};
        let m = firstM + column;
        let tap = m / inChannels;
        let channel = m % inChannels;
        let tapRow = tap / uniforms.filterWidth - uniforms.pads[0];
        let tapColumn = tap % uniforms.filterWidth - uniforms.pads[1];
        let n = firstN + column;
        let readsX = m < uniforms.outShape[1];
        let readsDy = n < uniforms.outShape[2];

        // This invocation's 4x4 elements of the tile: rows 4 * localId.y + i, columns 4 * localId.x + j.
        var sums : array<vec4<f32>, 4>;
        for (var step = 0; step < uniforms.chunkLength / ${TILE}; step++) {
          var k = chunk * uniforms.chunkLength + step * ${TILE} + firstRow;
          var image = k / (outHeight * outWidth);
          var outRow = k / outWidth % outHeight;
          var outColumn = k % outWidth;
          for (var row = firstRow; row < firstRow + ${loads}; row++) {
            var xValue = 0.0;
            var dyValue = 0.0;
            if (k < chunkEnd) {
              let inRow = outRow * uniforms.strides[0] + tapRow;
              let inColumn = outColumn * uniforms.strides[1] + tapColumn;
              if (readsX && inRow >= 0 && inRow < inHeight && inColumn >= 0 && inColumn < inWidth) {
                xValue = x[((image * inHeight + inRow) * inWidth + inColumn) * inChannels + channel];
              }
              if (readsDy) {
                dyValue = dy[k * outChannels + n];
              }
            }
            xTile[row * ${TILE / 4} + column / 4][column % 4] = xValue;
            dyTile[row * ${TILE / 4} + column / 4][column % 4] = dyValue;
            k++;
            outColumn++;
            if (outColumn == outWidth) {
              outColumn = 0;
              outRow++;
              if (outRow == outHeight) {
                outRow = 0;
                image++;
              }
            }
          }
          workgroupBarrier();
          for (var row = 0; row < ${TILE}; row++) {
            let xs = xTile[row * ${TILE / 4} + i32(localId.y)];
            let dys = dyTile[row * ${TILE / 4} + i32(localId.x)];
            sums[0] += xs.x * dys;
            sums[1] += xs.y * dys;
            sums[2] += xs.z * dys;
            sums[3] += xs.w * dys;
          }
          workgroupBarrier();
        }

        for (var i = 0; i < 4; i++) {
          let sumM = firstM + 4 * i32(localId.y) + i;
          for (var j = 0; j < 4; j++) {
            let sumN = firstN + 4 * i32(localId.x) + j;
            if (sumM < uniforms.outShape[1] && sumN < uniforms.outShape[2]) {
              setOutputAtCoords(chunk, sumM, sumN, sums[i][j]);
            }
          }
        }
      }
    `;
  }
}

/** The chunks' sums added in chunk order: dW in the filter's shape. */
class SumOfChunksProgram implements WebGPUProgram {
  variableNames = ['partials'];
  workgroupSize: [number, number, number] = [INVOCATIONS, 1, 1];
  size = true;
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey = 'scbenchFilterGradientSumOfChunks';

  constructor(filterShape: number[]) {
    this.outputShape = filterShape;
    this.dispatchLayout = { x: filterShape.map((_, i) => i) };
    this.dispatch = [Math.ceil(tf.util.sizeFromShape(filterShape) / INVOCATIONS), 1, 1];
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          var sum = 0.0;
          for (var chunk = 0; chunk < uniforms.partialsShape[0]; chunk++) {
            sum += partials[chunk * uniforms.size + index];
          }
          setOutputAtIndex(index, sum);
        }
      }
    `;
  }
}
