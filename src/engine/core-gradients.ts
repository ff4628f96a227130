/**
 * tfjs-core registers no gradients by itself: the umbrella @tensorflow/tfjs package does, by importing
 * tfjs-core's dist/register_all_gradients. scbench depends on tfjs-core alone, whose Node bundle leaves
 * them out, so the engine loads that file from tfjs-core's ES-module build.
 *
 * That build is a second copy of tfjs-core's modules, which is safe: the engine, the kernel and gradient
 * registries and the Tensor instanceof check all live on the global object, shared by both copies.
 * Loading it costs about a second, once per process.
 */
import * as tf from '@tensorflow/tfjs-core';
import { register } from 'node:module';

let loading: Promise<void> | undefined;

export function loadCoreGradients(): Promise<void> {
  loading ??= (async () => {
    if (tf.getGradient(tf.Sum) !== undefined) return; // registered already, e.g. by @tensorflow/tfjs-node
    register('./core-gradients-hooks.ts', import.meta.url);
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  })();
  return loading;
}
