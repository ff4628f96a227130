// The webgpu backend against the cpu and wasm backends, on whatever adapter Dawn finds: lavapipe in CI (a CPU
// Vulkan driver, some 20x slower than wasm, so every case here is small). Without any adapter the tests are
// skipped, saying so, unless SCBENCH_REQUIRE_WEBGPU is set (CI sets it: there a skip would hide a broken setup).
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDatasetByName } from '../data/registry.ts';
import { buildNetwork } from '../nn/network.ts';
import { makeSchedule } from '../schedules/index.ts';
import { scheduleCallback } from '../train/callbacks.ts';
import type { EpochMetrics } from '../results/metrics.ts';
import { train, trainStep } from '../train/loop.ts';
import { MomentumSgd } from '../train/sgd.ts';
import { UserError } from '../errors.ts';
import { initEngine } from './backend.ts';
import { batchNormTrain } from './batch-norm.ts';
import { assertKernelMatchesCpu, CONV_CASES, GRADIENT_KERNELS, gradientKernelCall, maxPoolGradient, POOL_CASES } from './gradient-cases.ts';
import { releaseEngines } from './release.ts';
import { assertClose, liveMemory, valuesOn } from './test-support.ts';
import { DeviceLimitError } from './webgpu.ts';

const scbench = fileURLToPath(new URL('../../bin/scbench', import.meta.url));

/** Why there is no webgpu engine here, or undefined when there is one. */
async function missingAdapter(): Promise<string | undefined> {
  try {
    await initEngine('webgpu');
    return undefined;
  } catch (error) {
    if (error instanceof UserError && /found no GPU adapter/.test(error.message) && !process.env.SCBENCH_REQUIRE_WEBGPU) return error.message;
    throw error;
  }
}

const missing = await missingAdapter();
if (missing) console.warn(`webgpu tests skipped: ${missing}`);
const webgpuTest = (name: string, run: () => Promise<void>) => (missing ? undefined : test(name, run));

test.after(() => releaseEngines());

webgpuTest('the engine records the adapter it runs on', async () => {
  const info = await initEngine('webgpu');
  assert.is(info.kind, 'webgpu');
  assert.is(tf.getBackend(), 'webgpu');
  const adapter = info.adapter!;
  assert.ok(adapter.vendor !== '' && adapter.description !== '', JSON.stringify(adapter));
  assert.is(typeof adapter.software, 'boolean');
});

for (const entry of GRADIENT_KERNELS) webgpuTest(`${entry.kernel} on webgpu matches the cpu backend`, () => assertKernelMatchesCpu('webgpu', entry));

webgpuTest('Conv2DBackpropFilter on webgpu with more channels and positions (several tiles of dW, several chunks of the sum) matches the cpu backend', async () => {
  const entry = GRADIENT_KERNELS.find((e) => e.kernel === 'Conv2DBackpropFilter')!;
  // 16 times the images: 384 to 2,016 output positions, summed in one chunk or up to 7; 32 to 34 input channels and
  // 35 to 38 output ones: dW of several 32x32 tiles, the last ones partly filled.
  const cases = CONV_CASES.map((c) => ({ ...c, batch: 16 * c.batch, inChannels: c.inChannels + 30, outChannels: c.outChannels + 33 }));
  // 1,800 positions in 7 chunks of 288, the last holding 72: a chunk that ends within a step of 32 positions.
  cases.push({ batch: 8, height: 15, width: 15, inChannels: 40, outChannels: 48, kernel: [3, 3], strides: 1, pad: 'same' });
  await assertKernelMatchesCpu('webgpu', { ...entry, cases });
});

webgpuTest('Conv2DBackpropFilter on webgpu gives the same bits on every run, and leaks nothing', async () => {
  // 2,048 positions in 8 chunks, 24 tiles of dW.
  const compute = gradientKernelCall({ batch: 8, height: 16, width: 16, inChannels: 40, outChannels: 48, kernel: [3, 3], strides: 1, pad: 'same' }, false, 'filter');
  const [first] = await valuesOn('webgpu', compute);
  const before = liveMemory();
  const [second] = await valuesOn('webgpu', compute);
  assert.equal(liveMemory(), before);
  const [a, b] = [new Uint32Array(first.buffer), new Uint32Array(second.buffer)];
  assert.is(a.findIndex((bits, i) => bits !== b[i]), -1, 'the first element whose bits differ');
});

webgpuTest('MaxPoolGrad on webgpu matches the cpu backend; with ties, it routes to another maximum, an equally valid gradient', async () => {
  for (const c of POOL_CASES) {
    const label = `MaxPoolGrad, x ${c.shape.join('x')}, ${c.size}x${c.size} stride ${c.strides} ${c.pad}`;
    const [expected] = await valuesOn('cpu', maxPoolGradient(c, false));
    const [actual] = await valuesOn('webgpu', maxPoolGradient(c, false));
    assertClose(actual, expected, label);
    // Where a window holds equal maxima, cpu gives the gradient to the first and webgpu to another one. Any choice
    // keeps sum(dx) (each window's dy lands once) and <dx, x> = sum(dy * maxPool(x)) (max-pooling is positively
    // homogeneous): those must agree.
    const invariants = () => {
      const [dx] = maxPoolGradient(c, true)();
      const x = tf.round(tf.mul(tf.randomNormal(c.shape, 0, 1, 'float32', 21), 0.7));
      return [tf.stack([tf.sum(dx), tf.sum(tf.mul(dx, x))])];
    };
    const [expectedSums] = await valuesOn('cpu', invariants);
    const [actualSums] = await valuesOn('webgpu', invariants);
    assertClose(actualSums, expectedSums, `${label}, ties: sum(dx) and <dx, x>`);
  }
});

webgpuTest("batchNormTrain's output and gradients on webgpu match the cpu backend", async () => {
  for (const shape of [[4, 5, 3, 6], [8, 2, 2, 5]] as [number, number, number, number][]) {
    const compute = () => {
      const x = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 1), 3), 2);
      const gamma = tf.randomNormal([shape[3]], 1, 0.5, 'float32', 2);
      const beta = tf.randomNormal([shape[3]], 0, 1, 'float32', 3);
      const weights = tf.randomNormal(shape, 0, 1, 'float32', 4);
      const y = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => batchNormTrain(a as tf.Tensor4D, b as tf.Tensor1D, c as tf.Tensor1D, 1e-3).y;
      return [y(x, gamma, beta), ...tf.grads((a, b, c) => tf.sum(tf.mul(y(a, b, c), weights)))([x, gamma, beta])];
    };
    const expected = await valuesOn('cpu', compute);
    const actual = await valuesOn('webgpu', compute);
    expected.forEach((e, i) => assertClose(actual[i], e, `shape ${shape}, ${['y', 'dx', 'dgamma', 'dbeta'][i]}`));
  }
});

webgpuTest('AddN of more tensors than one shader binds (an L2 penalty over many kernels) matches the cpu backend', async () => {
  const compute = () => [tf.addN(Array.from({ length: 40 }, (_, i) => tf.randomNormal([3, 5], 0, 1, 'float32', 30 + i)))];
  const [expected] = await valuesOn('cpu', compute);
  const [actual] = await valuesOn('webgpu', compute);
  assertClose(actual, expected, 'AddN of 40 tensors');
});

/** Loss and every parameter after one trainStep of simple-mnist on 8 random digits. */
const oneStep = () => {
  const network = buildNetwork('simple-mnist', [28, 28, 1], 10, 7);
  const optimizer = new MomentumSgd(network.params.trainable);
  const batch = { x: tf.randomNormal([8, 28, 28, 1], 0, 1, 'float32', 8) as tf.Tensor4D, labels: tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), size: 8 };
  const values = trainStep(network, optimizer, 5e-4, batch, 0.1, 0.9);
  const result = [values, ...network.params.all.map((p) => tf.clone(p.variable))];
  optimizer.dispose();
  network.dispose();
  return result;
};

webgpuTest('one trainStep on webgpu gives the cpu backend\'s loss and updated weights within 1e-4', async () => {
  const expected = await valuesOn('cpu', oneStep);
  const actual = await valuesOn('webgpu', oneStep);
  assertClose(actual[0].subarray(0, 1), expected[0].subarray(0, 1), 'loss');
  assert.is(actual[0][1], expected[0][1], 'correct count');
  // All parameters as one vector: a conv bias before batch norm has a zero gradient, and its update is rounding noise.
  const all = (arrays: Float32Array[]) => Float32Array.from(arrays.slice(1).flatMap((a) => Array.from(a)));
  assertClose(all(actual), all(expected), 'the parameters after the step');
});

webgpuTest('a tensor beyond the device\'s largest binding is refused before dispatch, naming network, layer and shape', async () => {
  await initEngine('webgpu');
  const limit = (tf.backend() as unknown as { device: GPUDevice }).device.limits.maxStorageBufferBindingSize;
  // The first convolution's output, 32 channels of 32x32 float32 per image, just past the limit.
  const images = Math.floor(limit / (32 * 32 * 32 * 4)) + 1;
  const network = buildNetwork('simple', [32, 32, 3], 10, 1);
  const optimizer = new MomentumSgd(network.params.trainable);
  const batch = { x: tf.zeros([images, 32, 32, 3]) as tf.Tensor4D, labels: tf.zeros([images], 'int32') as tf.Tensor1D, size: images };
  try {
    trainStep(network, optimizer, 0, batch, 0.1, 0.9);
    assert.unreachable('trainStep should have refused the batch');
  } catch (error) {
    assert.instance(error, DeviceLimitError);
    assert.match((error as Error).message, new RegExp(`^network simple, batch \\[${images}x32x32x3\\]: layer conv2d \\(input \\[${images}x32x32x3\\]\\): kernel \\w+: output \\[${images}x32x32x32\\] needs \\d+ MiB, beyond the device's largest storage buffer binding`));
  } finally {
    tf.dispose([batch.x, batch.labels]);
    optimizer.dispose();
    network.dispose();
  }
});

webgpuTest('a dispatch beyond 65,535 workgroups in y or z is refused before dispatch', async () => {
  await initEngine('webgpu');
  const a = tf.ones([70000, 2, 2]) as tf.Tensor3D;
  try {
    assert.throws(() => tf.matMul(a, a), (error: Error) => error instanceof DeviceLimitError && /dispatch of \d+ x \d+ x 70000 workgroups, beyond the device's 65535 in one dimension/.test(error.message));
  } finally {
    a.dispose();
  }
});

/** One epoch of simple-mnist on mnist-mini with a constant lr: its metrics, the times left out. */
async function mnistMiniEpoch(backend: 'wasm' | 'webgpu'): Promise<EpochMetrics> {
  await initEngine(backend);
  const dataset = await loadDatasetByName('mnist-mini');
  const network = buildNetwork('simple-mnist', dataset.train.shape, 10, 3);
  const optimizer = new MomentumSgd(network.params.trainable);
  const callbacks = [scheduleCallback(makeSchedule({ name: 'constant', lr: 0.05, momentum: 0.9 }, 16), 0.9)];
  const { history } = await train({ network, optimizer, dataset, epochs: 1, batchSize: 64, seed: 5, weightDecay: 5e-4, augmentations: [], callbacks });
  optimizer.dispose();
  network.dispose();
  return history[0];
}

/**
 * The declared tolerance of a whole epoch on webgpu against wasm: 16 steps compound float32 differences of
 * ~1e-6 per kernel, so losses may differ by 1 % and accuracies by 1 percentage point (5 of 500 test digits).
 */
const EPOCH_TOLERANCE = { loss: 0.01, accuracy: 0.01 };

webgpuTest('one epoch of mnist-mini on webgpu matches wasm within the declared tolerance', async () => {
  const expected = await mnistMiniEpoch('wasm');
  const actual = await mnistMiniEpoch('webgpu');
  for (const key of ['trainLoss', 'testLoss'] as const) {
    assert.ok(Math.abs(actual[key] - expected[key]) <= EPOCH_TOLERANCE.loss * expected[key], `${key}: webgpu ${actual[key]}, wasm ${expected[key]}`);
  }
  for (const key of ['trainAccuracy', 'testAccuracy', 'testTop5'] as const) {
    assert.ok(Math.abs(actual[key] - expected[key]) <= EPOCH_TOLERANCE.accuracy, `${key}: webgpu ${actual[key]}, wasm ${expected[key]}`);
  }
});

webgpuTest('a command on webgpu ends by itself once its work is done', async () => {
  const run = spawnSync(scbench, ['perf', '--backend', 'webgpu', '--network', 'simple-mnist', '--input', '28x28x1', '--batch', '4', '--warmup', '1', '--iterations', '1', '--json'], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.is(run.signal, null, `killed after 180 s: the process did not end by itself (${run.stderr})`);
  assert.is(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.is(result.engine.kind, 'webgpu');
  assert.ok(Number.isFinite(result.imagesPerSecond) && result.imagesPerSecond > 0);
});

webgpuTest('a device error stops the process, naming the error, instead of leaving a readback waiting forever', async () => {
  const script = [
    `import { initEngine } from ${JSON.stringify(fileURLToPath(new URL('./backend.ts', import.meta.url)))};`,
    "import * as tf from '@tensorflow/tfjs-core';",
    "await initEngine('webgpu');",
    // A buffer that may be both mapped for reading and bound as storage is invalid.
    'tf.backend().device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });',
    'await new Promise((resolve) => setTimeout(resolve, 120_000));',
  ].join('\n');
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 100_000 });
  assert.is(run.signal, null, 'still waiting after 100 s');
  assert.is(run.status, 1, run.stderr);
  assert.match(run.stderr, /^scbench: the WebGPU device reported an error, so its results cannot be trusted: Buffer usages .* is invalid/m);
});

test.run();
