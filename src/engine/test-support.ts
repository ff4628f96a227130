/** Helpers shared by the engine's tests: running one computation on a given backend, comparing results. */
import * as tf from '@tensorflow/tfjs-core';
import * as assert from 'uvu/assert';
import { initEngine } from './backend.ts';

/**
 * Runs `compute` on `backend` and returns its results as plain arrays. Inputs are made inside `compute`
 * (tf.randomNormal with a seed is computed in tfjs-core, so a seed gives the same values on every backend).
 */
export async function valuesOn(backend: 'cpu' | 'wasm' | 'webgpu', compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  await initEngine(backend);
  const tensors = tf.tidy(compute);
  const values = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(tensors);
  return values;
}

/**
 * The tolerance of every parity test here: per element |actual - expected| <= 1e-4 * max|expected|, and
 * ||actual - expected||_2 <= 1e-4 * ||expected||_2 (float32 sums in a different order differ by ~1e-6).
 */
export function assertClose(actual: Float32Array, expected: Float32Array, label: string, tolerance = 1e-4): void {
  assert.is(actual.length, expected.length, `${label}: length`);
  let maxExpected = 0;
  let maxError = 0;
  let errorSquares = 0;
  let expectedSquares = 0;
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    maxExpected = Math.max(maxExpected, Math.abs(expected[i]));
    maxError = Math.max(maxError, error);
    errorSquares += error * error;
    expectedSquares += expected[i] * expected[i];
  }
  assert.ok(maxExpected > 0, `${label}: the expected values are all zero, a vacuous comparison`);
  assert.ok(maxError <= tolerance * maxExpected, `${label}: max error ${maxError} exceeds ${tolerance} x max ${maxExpected}`);
  const relative = Math.sqrt(errorSquares / expectedSquares);
  assert.ok(relative <= tolerance, `${label}: norm-relative error ${relative} exceeds ${tolerance}`);
}

/** Tensors and backend buffers alive now; equal before and after a computation means it leaked nothing. */
export function liveMemory(): { numTensors: number; numBytes: number; backendBuffers: number } {
  const { numTensors, numBytes } = tf.memory();
  return { numTensors, numBytes, backendBuffers: tf.backend().numDataIds() };
}
