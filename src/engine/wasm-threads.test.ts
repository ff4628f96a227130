import * as tf from '@tensorflow/tfjs-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildNetwork } from '../nn/network.ts';
import { trainStep } from '../train/loop.ts';
import { MomentumSgd } from '../train/sgd.ts';
import { initEngine } from './backend.ts';
import { GRADIENT_KERNELS, gradientKernelCall, maxPoolGradient, POOL_CASES } from './gradient-cases.ts';

/** Runs `compute` on wasm with `threads` threads; its results as plain arrays. */
async function onThreads(threads: number, compute: () => tf.Tensor[]): Promise<number[][]> {
  await initEngine('wasm', undefined, threads);
  const tensors = tf.tidy(compute);
  const values = await Promise.all(tensors.map(async (t) => Array.from(await t.data())));
  tf.dispose(tensors);
  return values;
}

test('wasm on 2 threads: the threaded build starts in Node, records its threads, and the process can still end', async () => {
  const info = await initEngine('wasm', undefined, 2);
  assert.equal({ kind: info.kind, threads: info.threads }, { kind: 'wasm', threads: 2 });
  assert.match(info.reason, /, 2 threads$/);
  const memory = (tf.backend() as unknown as { wasm: { wasmMemory: WebAssembly.Memory } }).wasm.wasmMemory;
  assert.instance(memory.buffer, SharedArrayBuffer);
  // Back to the single-threaded build in the same process.
  assert.is((await initEngine('wasm')).threads, 1);
});

test('scbench\'s own kernels and the gradient kernels give the same bits on 2 threads (shared memory) as on 1', async () => {
  const compute = () => [
    ...GRADIENT_KERNELS.flatMap((entry) => entry.cases.flatMap((c) => gradientKernelCall(c, entry.depthwise, entry.grad)())),
    ...maxPoolGradient(POOL_CASES[2], true)(),
    tf.transpose(tf.randomNormal([6, 5, 7, 9], 0, 1, 'float32', 3), [3, 1, 2, 0]),
    tf.sum(tf.randomNormal([130, 3, 7], 0, 1, 'float32', 4), [0, 1]),
  ];
  const one = await onThreads(1, compute);
  const two = await onThreads(2, compute);
  one.forEach((values, i) => assert.equal(two[i], values, `result ${i}`));
});

test('three training steps leave every network\'s parameters the same to the bit on 1 and 2 threads', async () => {
  const train = () => {
    const out: tf.Tensor[] = [];
    for (const [name, shape] of [['simple', [32, 32, 3]], ['mini-mobilenetv2', [16, 16, 3]], ['resnet56', [8, 8, 3]]] as const) {
      const network = buildNetwork(name, shape, 10, 7);
      const optimizer = new MomentumSgd(network.params.trainable);
      const batch = { x: tf.randomNormal([8, ...shape], 0, 1, 'float32', 8) as tf.Tensor4D, labels: tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), size: 8 };
      for (let step = 0; step < 3; step++) trainStep(network, optimizer, 5e-4, batch, 0.05, 0.9);
      out.push(...network.params.all.map((p) => p.variable.clone()));
      optimizer.dispose();
      network.dispose();
    }
    return out;
  };
  const one = await onThreads(1, train);
  const two = await onThreads(2, train);
  one.forEach((values, i) => assert.equal(two[i], values, `parameter ${i}`));
});

test.run();
