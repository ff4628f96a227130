import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../errors.ts';
import { initEngine } from './backend.ts';

const require = createRequire(import.meta.url);
const installed = (name: string) => {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
};
// The native TensorFlow packages are absent wherever npm could not download libtensorflow, as on the CI machines.
const tensorflowAbsent = !installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu');

test('--backend tensorflow, absent, is a one-line UserError naming the package to install', async () => {
  if (!tensorflowAbsent) {
    assert.match((await initEngine('tensorflow')).kind, /^tensorflow/);
    return;
  }
  try {
    await initEngine('tensorflow');
    assert.unreachable('initEngine should have thrown');
  } catch (error) {
    assert.instance(error, UserError);
    const { message } = error as UserError;
    assert.match(message, /^--backend tensorflow: @tensorflow\/tfjs-node is not installed \(npm install @tensorflow\/tfjs-node\b/);
    assert.not.match(message, /\n/);
  }
});

test('auto takes tensorflow when installed, else wasm, and says why in one line', async () => {
  const lines: string[] = [];
  const info = await initEngine('auto', (line) => lines.push(line));
  assert.is(lines.length, 1);
  if (!tensorflowAbsent) {
    assert.match(info.kind, /^tensorflow/);
    return;
  }
  assert.equal({ backend: info.backend, kind: info.kind, threads: info.threads }, { backend: 'wasm', kind: 'wasm', threads: 1 });
  assert.is(info.packageName, '@tensorflow/tfjs-backend-wasm');
  assert.match(info.version, /^\d+\.\d+\.\d+/);
  assert.is(tf.getBackend(), 'wasm');
  assert.match(lines[0], /^backend auto: using wasm .* after skipping tensorflow on a GPU: @tensorflow\/tfjs-node is not installed/);
  // lavapipe (CI, machines without a GPU) is correct but slower than wasm: auto names it and passes it by.
  assert.match(lines[0], /; webgpu: (the only adapter is a software one \(.+\), far slower than wasm|Dawn found no GPU adapter)/);
});

test('cpu starts, computes, and can train (gradients are registered)', async () => {
  const info = await initEngine('cpu');
  assert.equal({ backend: info.backend, kind: info.kind }, { backend: 'cpu', kind: 'cpu' });
  assert.is(tf.getBackend(), 'cpu');
  const slope = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1.5, -2])).arraySync());
  assert.equal(slope, [3, -4]);
});

test('wasm starts after cpu: backends can be switched within a process', async () => {
  const info = await initEngine('wasm');
  assert.is(info.kind, 'wasm');
  assert.is(tf.getBackend(), 'wasm');
  assert.equal(tf.tidy(() => tf.add(tf.tensor1d([1, 2]), 1).arraySync()), [2, 3]);
});

test.run();
