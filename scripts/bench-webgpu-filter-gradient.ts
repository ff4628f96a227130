/**
 * Times the convolution's filter gradient on webgpu, scbench's (src/engine/webgpu-filter-gradient.ts) against
 * tfjs-backend-webgpu's own, on two of VGG16-BN's 3x3 'same' convolutions at 224x224: the second one (224x224x64
 * to 64 channels) at batch 2, and the sixth (56x56x256 to 256) at batch 2 and 32 (the second one's input at batch
 * 32, 392 MiB, exceeds lavapipe's largest storage binding, 128 MiB). Run: node --import tsx
 * scripts/bench-webgpu-filter-gradient.ts
 *
 * Each figure is one call, after both programs were compiled on a small shape and the inputs uploaded, in seconds
 * of wall time and of this process's CPU time (a software adapter such as lavapipe computes on this process's threads).
 */
// Imported first, so that tfjs's own kernels are registered and captured before initEngine puts scbench's in place.
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/engine/backend.ts';
import { releaseEngines } from '../src/engine/release.ts';
import { formatTable } from '../src/text-table.ts';

const tfjsFilterGradient = tf.getKernel(tf.Conv2DBackpropFilter, 'webgpu')!.kernelFunc;
/** x's shape; the filter is 3x3 from its channels to as many. */
const CASES = [[2, 224, 224, 64], [2, 56, 56, 256], [32, 56, 56, 256]];

const attrs = (channels: number) => ({ strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, channels, channels] }) as unknown as tf.NamedAttrMap;
const gradients = {
  scbench: (x: tf.Tensor, dy: tf.Tensor) => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs(x.shape[3]!)) as tf.Tensor,
  tfjs: (x: tf.Tensor, dy: tf.Tensor) => {
    const info = tfjsFilterGradient({ inputs: { x, dy }, backend: tf.backend(), attrs: attrs(x.shape[3]!) }) as tf.TensorInfo;
    return tf.engine().makeTensorFromTensorInfo(info);
  },
};

/** Seconds of wall and CPU time of one call of `gradient` on x and dy of `shape`, both already on the device. */
async function time(gradient: (x: tf.Tensor, dy: tf.Tensor) => tf.Tensor, shape: number[]): Promise<[number, number]> {
  const [x, dy] = [tf.randomNormal(shape, 0, 1, 'float32', 1), tf.randomNormal(shape, 0, 1, 'float32', 2)];
  const uploaded = tf.tidy(() => tf.add(tf.sum(x), tf.sum(dy)));
  await uploaded.data();
  uploaded.dispose();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const dw = gradient(x, dy);
  await dw.data();
  const seconds = [(performance.now() - started) / 1000, process.cpuUsage(cpu).user / 1e6] as [number, number];
  tf.dispose([x, dy, dw]);
  return seconds;
}

async function main(): Promise<void> {
  await initEngine('webgpu');
  for (const gradient of Object.values(gradients)) await time(gradient, [1, 8, 8, 64]);
  const rows: (string | number)[][] = [];
  for (const shape of CASES) {
    for (const [name, gradient] of Object.entries(gradients)) {
      const [wall, cpu] = await time(gradient, shape);
      rows.push([shape.join('x'), name, wall.toFixed(2), cpu.toFixed(2)]);
      console.error(rows.at(-1)!.join('  '));
    }
  }
  console.log(formatTable(['x', 'filter gradient', 'wall s', 'cpu s'], rows));
  releaseEngines();
}

await main();
