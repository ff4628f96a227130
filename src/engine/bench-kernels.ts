/**
 * Times the engine's wasm gradient kernels and batch normalisation against the alternatives, on the
 * layer shapes of the CIFAR-like simple CNN (batch 128, 32x32x3 -> conv 32 -> pool -> conv 64 -> pool ->
 * conv 128, 3x3 'same'). Run: node --import tsx src/engine/bench-kernels.ts [repetitions]
 *
 * Each figure is the fastest of the repetitions (after one warm-up call), in ms of this process's CPU
 * time per call: the least disturbed by whatever else the machine runs. Inputs are fresh tensors on every call, as in training
 * (wasm caches packed convolution weights per tensor, which a reused input would flatter).
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { batchNormTrain } from './batch-norm.ts';
import { initEngine } from './backend.ts';
import { formatTable } from '../text-table.ts';

// wasm's own kernels, captured before initEngine replaces them (their setup runs when the backend starts).
const stockConv2DBackpropInput = tf.getKernel(tf.Conv2DBackpropInput, 'wasm')!;
const stockMaxPoolGrad = tf.getKernel(tf.MaxPoolGrad, 'wasm')!;
const stockTranspose = tf.getKernel(tf.Transpose, 'wasm')!;
const stockSum = tf.getKernel(tf.Sum, 'wasm')!;

const BATCH = 128;
const LAYERS = [
  { name: 'conv1', x: [BATCH, 32, 32, 3], filter: [3, 3, 3, 32] },
  { name: 'conv2', x: [BATCH, 16, 16, 32], filter: [3, 3, 32, 64] },
  { name: 'conv3', x: [BATCH, 8, 8, 64], filter: [3, 3, 64, 128] },
] as const;
const CONV_ATTRS = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 } as const;

interface Row {
  what: string;
  shape: string;
  ours: number;
  alternative: string;
  theirs: number;
}

/** Fastest of `repetitions` calls of `make()` (inputs) then `run(inputs)`, in CPU ms; inputs are made untimed. */
function fastest(repetitions: number, make: () => tf.Tensor[], run: (inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): number {
  let best = Infinity;
  for (let i = 0; i <= repetitions; i++) {
    const inputs = make();
    const started = process.cpuUsage();
    const outputs = run(inputs);
    const ms = process.cpuUsage(started).user / 1000;
    tf.dispose([...inputs, ...[outputs].flat()]);
    if (i > 0) best = Math.min(best, ms); // call 0 warms up
  }
  return best;
}

let seed = 0;
const random = (shape: readonly number[]) => tf.randomNormal([...shape], 0, 1, 'float32', ++seed);
const runKernel = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;

function convGradients(repetitions: number): Row[] {
  const rows: Row[] = [];
  for (const layer of LAYERS) {
    const shape = `x ${layer.x.join('x')}, filter ${layer.filter.join('x')}`;
    const dyShape = [...layer.x.slice(0, 3), layer.filter[3]];
    const inputGrad = () => [random(dyShape), random(layer.filter)];
    const inputAttrs = { ...CONV_ATTRS, inputShape: layer.x };
    rows.push({
      what: 'Conv2DBackpropInput',
      shape,
      ours: fastest(repetitions, inputGrad, ([dy, filter]) => runKernel(tf.Conv2DBackpropInput, { dy, filter }, inputAttrs)),
      alternative: "wasm's own kernel",
      theirs: fastest(repetitions, inputGrad, ([dy, filter]) => stock(stockConv2DBackpropInput, { dy, filter }, inputAttrs)),
    });
    const filterGrad = () => [random(layer.x), random(dyShape)];
    const [n, h, w, c] = layer.x;
    const [kh, kw, , co] = layer.filter;
    rows.push({
      what: 'Conv2DBackpropFilter',
      shape,
      ours: fastest(repetitions, filterGrad, ([x, dy]) => runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...CONV_ATTRS, filterShape: layer.filter })),
      alternative: 'wasm Conv3DBackpropFilterV2, depth 1',
      theirs: fastest(repetitions, filterGrad, ([x, dy]) => runKernel(tf.Conv3DBackpropFilterV2,
        { x: tf.reshape(x, [n, 1, h, w, c]), dy: tf.reshape(dy, [n, 1, h, w, co]) },
        { strides: [1, 1, 1], pad: 'same', filterShape: [1, kh, kw, c, co] })),
    });
  }
  return rows;
}

const stock = (kernel: tf.KernelConfig, inputs: tf.NamedTensorMap, attrs: object) =>
  tf.engine().makeTensorFromTensorInfo(kernel.kernelFunc({ inputs, attrs: attrs as tf.NamedAttrMap, backend: tf.backend() }) as tf.TensorInfo);

/** The transposes the conv gradients make of each layer's dy, the max pools' gradients and the bias gradients. */
function transposesAndPools(repetitions: number): Row[] {
  return LAYERS.flatMap((layer) => {
    const dyShape = [...layer.x.slice(0, 3), layer.filter[3]];
    const shape = `x ${dyShape.join('x')}`;
    const rows: Row[] = [[3, 1, 2, 0], [1, 2, 0, 3]].map((perm) => ({
      what: `Transpose [${perm}]`,
      shape,
      ours: fastest(repetitions, () => [random(dyShape)], ([x]) => runKernel(tf.Transpose, { x }, { perm })),
      alternative: "wasm's own kernel",
      theirs: fastest(repetitions, () => [random(dyShape)], ([x]) => stock(stockTranspose, { x }, { perm })),
    }));
    const [n, h, w, c] = dyShape;
    const pool = () => [random([n, h / 2, w / 2, c]), random(dyShape)];
    const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
    rows.push({
      what: 'MaxPoolGrad 2x2',
      shape,
      ours: fastest(repetitions, pool, ([dy, input]) => runKernel(tf.MaxPoolGrad, { dy, input }, attrs)),
      alternative: "wasm's own kernel",
      theirs: fastest(repetitions, pool, ([dy, input]) => stock(stockMaxPoolGrad, { dy, input }, attrs)),
    });
    rows.push({
      what: 'Sum over batch, height, width',
      shape,
      ours: fastest(repetitions, () => [random(dyShape)], ([x]) => runKernel(tf.Sum, { x }, { axis: [0, 1, 2] })),
      alternative: "wasm's own kernel",
      theirs: fastest(repetitions, () => [random(dyShape)], ([x]) => stock(stockSum, { x }, { axis: [0, 1, 2] })),
    });
    return rows;
  });
}

/** Depthwise 3x3 layers at the same resolutions, multiplier 1; wasm has no kernel of its own, so against cpu. */
async function depthwiseGradients(repetitions: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const layer of LAYERS) {
    const x = [BATCH, layer.x[1], layer.x[2], layer.filter[3]];
    const filter = [3, 3, layer.filter[3], 1];
    const shape = `x ${x.join('x')}, filter ${filter.join('x')}`;
    const calls = [
      { what: 'DepthwiseConv2dNativeBackpropInput', make: () => [random(x), random(filter)],
        run: ([dy, f]: tf.Tensor[]) => runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: f }, { ...CONV_ATTRS, inputShape: x }) },
      { what: 'DepthwiseConv2dNativeBackpropFilter', make: () => [random(x), random(x)],
        run: ([input, dy]: tf.Tensor[]) => runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x: input, dy }, { ...CONV_ATTRS, filterShape: filter }) },
    ];
    for (const call of calls) {
      await initEngine('wasm');
      const ours = fastest(repetitions, call.make, call.run);
      await initEngine('cpu');
      const theirs = fastest(1, call.make, call.run); // pure JS: one timed call is plenty
      rows.push({ what: call.what, shape, ours, alternative: 'cpu backend', theirs });
    }
  }
  await initEngine('wasm');
  return rows;
}

/** Forward and backward (x, gamma, beta) of one training-mode batch norm, as tf.grads runs them in training. */
function batchNorms(repetitions: number): Row[] {
  return LAYERS.map((layer) => {
    const x = [BATCH, layer.x[1], layer.x[2], layer.filter[3]];
    const channels = x[3];
    const make = () => [random(x), random([channels]), random([channels]), random(x)];
    type Norm = (input: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
    const stock: Norm = (input, gamma, beta) => {
      const { mean, variance } = tf.moments(input, [0, 1, 2]);
      return tf.batchNorm(input, mean, variance, beta as tf.Tensor1D, gamma as tf.Tensor1D, 1e-3);
    };
    const ours: Norm = (input, gamma, beta) => batchNormTrain(input as tf.Tensor4D, gamma as tf.Tensor1D, beta as tf.Tensor1D, 1e-3).y;
    const step = (norm: Norm) => ([input, gamma, beta, weights]: tf.Tensor[]) =>
      tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(norm(a, b, c), weights)))([input, gamma, beta]));
    return {
      what: 'batch norm, forward + backward',
      shape: `x ${x.join('x')}`,
      ours: fastest(repetitions, make, step(ours)),
      alternative: 'tf.moments + tf.batchNorm',
      theirs: fastest(repetitions, make, step(stock)),
    };
  });
}

async function main(): Promise<void> {
  const repetitions = Number(process.argv[2] ?? 5);
  await initEngine('wasm');
  const rows = [...convGradients(repetitions), ...transposesAndPools(repetitions), ...(await depthwiseGradients(repetitions)), ...batchNorms(repetitions)];
  console.log(`wasm, batch ${BATCH}, fastest of ${repetitions} calls each (ms per call)\n`);
  console.log(formatTable(
    ['kernel', 'shape', 'ours ms', 'alternative', 'ms', 'speed-up'],
    rows.map((r) => [r.what, r.shape, r.ours.toFixed(1), r.alternative, r.theirs.toFixed(1), `${(r.theirs / r.ours).toFixed(1)}x`]),
  ));
}

await main();
